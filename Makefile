# The two commands of the README. Each does its own set-up (scripts/setup) on a fresh machine.
.PHONY: demo test build asan clean

demo:  ## run the example project end to end
	@scripts/demo

test:  ## build everything and run every test (what CI runs)
	@scripts/test

build:
	@scripts/setup && scripts/build release

asan:
	@scripts/setup && scripts/build asan

clean:
	rm -rf build
