#pragma once
// Server-sent events: a Broadcaster fans messages out to the subscriptions of open streams.
// A subscription buffers what it has not sent yet (bounded: a client that stops reading loses
// the oldest messages and is told to reload).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pond::http {

struct Message {
  std::string event;  // the SSE event name
  std::string data;   // one line of JSON, typically
};

// The SSE wire form of a message ("event: ...\ndata: ...\n\n"; newlines in data split into lines).
std::string sse_frame(const Message& m);

class Broadcaster;

class Subscription {
 public:
  explicit Subscription(std::size_t capacity) : capacity_(capacity) {}
  // Waits up to `timeout` for messages. Empty: nothing came (send a keep-alive); nullopt: closed.
  std::optional<std::vector<Message>> next(std::chrono::milliseconds timeout);
  void push(const Message& m);
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Message> queue_;
  std::size_t capacity_;
  bool closed_ = false;
  bool overflowed_ = false;
};

class Broadcaster {
 public:
  std::shared_ptr<Subscription> subscribe(std::size_t capacity = 1000);
  void publish(const Message& m);
  // Ends every subscription (and refuses new ones): streams finish, so the server can stop.
  void close();
  std::size_t subscribers();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Subscription>> subs_;
  bool closed_ = false;
};

}  // namespace pond::http
