// Linear probing over a power-of-two table kept at most half full, so a miss (the common case:
// a new report) usually ends at the first or second slot.
#include "writer/report_id_set.hpp"

#include <functional>

namespace psm {

std::uint64_t ReportIdSet::Fingerprint(std::string_view id) {
  const std::uint64_t h = std::hash<std::string_view>{}(id);
  return h == 0 ? 1 : h;
}

std::uint64_t ReportIdSet::PrintOf(std::string_view id) const {
  const std::uint64_t fp = fingerprint_(id);
  return fp == 0 ? 1 : fp;  // 0 marks an empty slot
}

std::size_t ReportIdSet::SlotOf(std::uint64_t fingerprint) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(fingerprint) & mask;
  while (slots_[i] != 0 && slots_[i] != fingerprint)
    i = (i + 1) & mask;
  return i;
}

void ReportIdSet::Add(std::string_view id) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const std::uint64_t fp = PrintOf(id);
  std::uint64_t& slot = slots_[SlotOf(fp)];
  if (slot == 0) {
    slot = fp;
    ++size_;
  }
}

bool ReportIdSet::MayContain(std::string_view id) const {
  if (slots_.empty()) return false;
  return slots_[SlotOf(PrintOf(id))] != 0;
}

void ReportIdSet::Grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  for (const std::uint64_t fp : old) {
    if (fp != 0) slots_[SlotOf(fp)] = fp;
  }
}

}  // namespace psm
