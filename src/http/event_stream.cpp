#include "http/event_stream.hpp"

#include <algorithm>

namespace pond::http {

std::string sse_frame(const Message& m) {
  std::string out;
  if (!m.event.empty()) out += "event: " + m.event + "\n";
  std::size_t start = 0;
  while (true) {
    std::size_t nl = m.data.find('\n', start);
    out += "data: " + m.data.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  out += "\n";
  return out;
}

std::optional<std::vector<Message>> Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return closed_ || !queue_.empty(); });
  if (closed_) return std::nullopt;
  std::vector<Message> out;
  if (overflowed_) {
    // The client fell behind: what it missed is gone, so it must read the state afresh.
    out.push_back(Message{"resync", "{}"});
    overflowed_ = false;
  }
  out.insert(out.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

void Subscription::push(const Message& m) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      overflowed_ = true;
    }
    queue_.push_back(m);
  }
  ready_.notify_one();
}

void Subscription::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::shared_ptr<Subscription> Broadcaster::subscribe(std::size_t capacity) {
  auto sub = std::make_shared<Subscription>(capacity);
  std::lock_guard lock(mutex_);
  if (closed_)
    sub->close();
  else
    subs_.push_back(sub);
  return sub;
}

void Broadcaster::publish(const Message& m) {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    for (auto& w : subs_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->push(m);
}

void Broadcaster::close() {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& w : subs_)
      if (auto s = w.lock()) live.push_back(std::move(s));
    subs_.clear();
  }
  for (auto& s : live) s->close();
}

std::size_t Broadcaster::subscribers() {
  std::lock_guard lock(mutex_);
  std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
  return subs_.size();
}

}  // namespace pond::http
