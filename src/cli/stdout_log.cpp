#include "cli/stdout_log.hpp"

#include <iostream>
#include <streambuf>
#include <string>

#include "common/log.hpp"

namespace pond::cli {

// Passes everything to the terminal's buffer and sends each finished line to the log file,
// without the live progress bar's carriage returns and ANSI colours.
class StdoutToLog::Buffer final : public std::streambuf {
 public:
  explicit Buffer(std::streambuf* out) : out_(out) {}
  ~Buffer() override {
    if (!line_.empty()) flush_line();
  }

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    take(static_cast<char>(ch));
    return out_->sputc(static_cast<char>(ch));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) take(s[i]);
    return out_->sputn(s, n);
  }
  int sync() override { return out_->pubsync(); }

 private:
  void take(char c) {
    if (c == '\n') {
      flush_line();
    } else if (c == '\r') {
      line_.clear();  // the live progress line redraws itself: only the last text counts
    } else {
      line_ += c;
    }
  }
  void flush_line() {
    std::string plain;
    for (std::size_t i = 0; i < line_.size(); ++i) {
      if (line_[i] == '\033' && i + 1 < line_.size() && line_[i + 1] == '[') {
        i += 2;
        while (i < line_.size() && !(line_[i] >= '@' && line_[i] <= '~')) ++i;
        continue;
      }
      plain += line_[i];
    }
    line_.clear();
    log::write_file(log::Level::kInfo, plain);
  }

  std::streambuf* out_;
  std::string line_;
};

StdoutToLog::StdoutToLog()
    : buffer_(std::make_unique<Buffer>(std::cout.rdbuf())), original_(std::cout.rdbuf(buffer_.get())) {}

StdoutToLog::~StdoutToLog() {
  std::cout.flush();
  std::cout.rdbuf(original_);
}

}  // namespace pond::cli
