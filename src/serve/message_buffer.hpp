#pragma once
// The bytes read from a client and not handled yet, cut into typed protocol messages.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace pond::serve {

// One message (type byte, body) inside a MessageBuffer; valid until the buffer is next written.
struct Message {
  char type;
  std::span<const std::uint8_t> body;
};

// Reads go into space() (commit() what was read); next() hands out each complete message in
// order. Several pipelined messages are read at once, so one read can serve a whole
// Bind/Describe/Execute/Sync.
class MessageBuffer {
 public:
  explicit MessageBuffer(std::size_t chunk = 16 * 1024) : chunk_(chunk), bytes_(chunk) {}

  // The next complete message, or nullopt when more bytes are needed. A message longer than
  // `max_length` (before authentication) or a bad length word throws ProtocolError.
  std::optional<Message> next(std::size_t max_length);
  // Where to read into: at least half a chunk, and room for the whole of a message whose
  // length is known. Moves the unhandled bytes to the front; call only when next() gave nullopt.
  std::span<std::uint8_t> space();
  void commit(std::size_t n) { end_ += n; }
  bool empty() const { return begin_ == end_; }

 private:
  std::size_t chunk_;
  std::vector<std::uint8_t> bytes_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t need_ = 0;  // the whole length of the first incomplete message, 0 while unknown
};

}  // namespace pond::serve
