// FairQueue: detection requests are served one per camera in turn.
#include "detect/fair_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil {
namespace {

std::vector<std::string> pop_all(FairQueue<std::string>& q) {
  std::vector<std::string> out;
  while (!q.empty()) out.push_back(q.pop());
  return out;
}

TEST(FairQueue, ServesSourcesInTurnEachInItsOwnOrder) {
  FairQueue<std::string> q;
  for (const char* s : {"a1", "a2", "a3"}) q.push("a", s);
  q.push("b", "b1");
  q.push("c", "c1");
  q.push("b", "b2");
  EXPECT_EQ(q.size(), 6u);
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"a1", "b1", "c1", "a2", "b2", "a3"}));
}

TEST(FairQueue, ASourceThatComesBackJoinsTheEndOfTheTurn) {
  FairQueue<std::string> q;
  q.push("a", "a1");
  q.push("b", "b1");
  EXPECT_EQ(q.pop(), "a1");
  q.push("a", "a2");  // a had nothing left: it waits behind b
  q.push("b", "b2");
  EXPECT_EQ(pop_all(q), (std::vector<std::string>{"b1", "a2", "b2"}));
}

TEST(FairQueue, EraseAndDrain) {
  FairQueue<std::string> q;
  q.push("a", "a1");
  q.push("b", "b1");
  q.push("a", "a2");
  EXPECT_TRUE(q.erase("b", "b1"));
  EXPECT_FALSE(q.erase("b", "b1"));
  EXPECT_FALSE(q.erase("c", "x"));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop(), "a1");
  q.push("c", "c1");
  std::vector<std::string> drained;
  q.drain([&](const std::string& s) { drained.push_back(s); });
  EXPECT_EQ(drained.size(), 2u);
  EXPECT_TRUE(q.empty());
  q.push("a", "a3");
  EXPECT_EQ(q.pop(), "a3");
}

}  // namespace
}  // namespace vigil
