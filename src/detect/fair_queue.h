// The detection requests waiting for a detector worker, served round-robin by source
// (camera): each pop takes the oldest request of the next camera in turn, so a camera
// that sends many regions at once cannot delay another camera's by more than one
// request per worker. Not thread-safe: DetectorPool guards it with its mutex.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace vigil {

template <typename T>
class FairQueue {
 public:
  void push(const std::string& source, T item) {
    auto& q = by_source_[source];
    if (q.empty()) turn_.push_back(source);
    q.push_back(std::move(item));
    ++size_;
  }

  // The next source's oldest item; the source goes to the back of the turn when it has
  // more. Precondition: !empty().
  T pop() {
    const std::string source = std::move(turn_.front());
    turn_.pop_front();
    auto it = by_source_.find(source);
    T item = std::move(it->second.front());
    it->second.pop_front();
    --size_;
    if (it->second.empty())
      by_source_.erase(it);
    else
      turn_.push_back(source);
    return item;
  }

  // Removes `item` if it is still waiting; true when it was.
  bool erase(const std::string& source, const T& item) {
    auto it = by_source_.find(source);
    if (it == by_source_.end()) return false;
    auto pos = std::find(it->second.begin(), it->second.end(), item);
    if (pos == it->second.end()) return false;
    it->second.erase(pos);
    --size_;
    if (it->second.empty()) {
      by_source_.erase(it);
      std::erase(turn_, source);
    }
    return true;
  }

  // Hands every waiting item to `f` and empties the queue.
  template <typename F>
  void drain(F&& f) {
    for (auto& [source, q] : by_source_)
      for (auto& item : q) f(item);
    by_source_.clear();
    turn_.clear();
    size_ = 0;
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

 private:
  std::map<std::string, std::deque<T>> by_source_;  // never holds an empty deque
  std::deque<std::string> turn_;                    // each source with items exactly once, next first
  size_t size_ = 0;                                 // items in by_source_
};

}  // namespace vigil
