// Station index and view storage.
#include "board/board.hpp"

namespace psm {

Board::Board(std::vector<Constituency> constituencies, std::vector<Station> stations)
    : constituencies_(std::move(constituencies)),
      stations_(std::move(stations)),
      views_(stations_.size()),
      versions_(stations_.size()) {
  for (std::uint32_t i = 0; i < stations_.size(); ++i) {
    const StationId& id = stations_[i].id;
    if (id.ac <= 0 || id.part <= 0) continue;  // not a valid id: cannot be asked for either
    const auto ac = static_cast<std::size_t>(id.ac);
    const auto part = static_cast<std::size_t>(id.part);
    if (index_by_ac_.size() <= ac) index_by_ac_.resize(ac + 1);
    auto& parts = index_by_ac_[ac];
    if (parts.size() <= part) parts.resize(part + 1, kNoStation);
    if (parts[part] == kNoStation) parts[part] = i;  // the first, as a map would keep
  }
}

std::optional<std::uint32_t> Board::IndexOf(std::string_view id) const {
  const auto parsed = StationId::Parse(id);
  if (!parsed) return std::nullopt;
  return IndexOf(*parsed);
}

std::optional<std::uint32_t> Board::IndexOf(const StationId& id) const {
  if (id.ac <= 0 || id.part <= 0) return std::nullopt;
  const auto ac = static_cast<std::size_t>(id.ac);
  const auto part = static_cast<std::size_t>(id.part);
  if (ac >= index_by_ac_.size() || part >= index_by_ac_[ac].size()) return std::nullopt;
  const std::uint32_t index = index_by_ac_[ac][part];
  if (index == kNoStation) return std::nullopt;
  return index;
}

const Constituency* Board::FindConstituency(int ac) const {
  for (const auto& c : constituencies_) {
    if (c.number == ac) return &c;
  }
  return nullptr;
}

}  // namespace psm
