// Station index and view storage.
#include "board/board.hpp"

namespace psm {

Board::Board(std::vector<Constituency> constituencies, std::vector<Station> stations)
    : constituencies_(std::move(constituencies)),
      stations_(std::move(stations)),
      views_(stations_.size()) {
  index_.reserve(stations_.size());
  for (std::uint32_t i = 0; i < stations_.size(); ++i) {
    index_.emplace(stations_[i].id.ToString(), i);
  }
}

std::optional<std::uint32_t> Board::IndexOf(std::string_view id) const {
  const auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint32_t> Board::IndexOf(const StationId& id) const {
  return IndexOf(id.ToString());
}

const Constituency* Board::FindConstituency(int ac) const {
  for (const auto& c : constituencies_) {
    if (c.number == ac) return &c;
  }
  return nullptr;
}

}  // namespace psm
