#include "serve/message_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "serve/wire_decode.hpp"

namespace pond::serve {

std::optional<Message> MessageBuffer::next(std::size_t max_length) {
  need_ = 0;
  if (end_ - begin_ < 5) return std::nullopt;
  std::size_t length = message_body_length(read_i32(bytes_.data() + begin_ + 1));
  if (length > max_length) throw ProtocolError("authentication message too long");
  if (end_ - begin_ - 5 < length) {
    need_ = 5 + length;
    return std::nullopt;
  }
  Message m{static_cast<char>(bytes_[begin_]),
            std::span<const std::uint8_t>(bytes_.data() + begin_ + 5, length)};
  begin_ += 5 + length;
  return m;
}

std::span<std::uint8_t> MessageBuffer::space() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    // Do not keep a large message's buffer.
    if (bytes_.size() > std::max<std::size_t>(chunk_, 1u << 20)) bytes_ = std::vector<std::uint8_t>(chunk_);
  } else if (begin_ > 0) {
    std::memmove(bytes_.data(), bytes_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t want = std::max(need_, end_ + chunk_ / 2);
  if (bytes_.size() < want) bytes_.resize(std::max(need_, end_ + chunk_));
  return std::span<std::uint8_t>(bytes_.data() + end_, bytes_.size() - end_);
}

}  // namespace pond::serve
