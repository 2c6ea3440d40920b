// Totals are sums over stations; a station with no value for a slot is counted as missing,
// never as zero, so a silent station cannot drag a percentage down unseen.
#include "writer/summary.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include "core/aggregate.hpp"
#include "core/eci_slots.hpp"
#include "core/enum_names.hpp"
#include "core/text.hpp"
#include "writer/station_json.hpp"

namespace psm {
namespace {

double Pct(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0;
  return std::round(static_cast<double>(part) * 10000.0 / static_cast<double>(whole)) / 100.0;
}

void Add(Counts& into, const Counts& c) {
  into.men += c.men;
  into.women += c.women;
  into.others += c.others;
}

// Totals over a group of stations (the district or one AC).
struct GroupTotals {
  Counts electors;
  int stations = 0;
  int reporting = 0;  // a queue report that is not stale
  int stale = 0;
  int states[4] = {0, 0, 0, 0};
  Counts queue;
  Counts votes;
  std::int64_t electors_with_votes = 0;  // electors of the stations that reported turnout
  int turnout_stations = 0;
  int still_polling_after_close = 0;
  std::int64_t voters_waiting_after_close = 0;
  std::vector<SlotTotal> slots;
};

void AddStation(GroupTotals& g, const StationView& v, const std::vector<SlotValue>& slot_values,
                bool after_close) {
  Add(g.electors, v.station.electors);
  ++g.stations;
  const StationStatus& st = v.status;
  ++g.states[static_cast<int>(st.state)];
  if (st.queue) {
    Add(g.queue, *st.queue);
    if (st.stale) {
      ++g.stale;
    } else {
      ++g.reporting;
    }
  } else if (st.stale) {
    ++g.stale;
  }
  if (st.votes_polled) {
    Add(g.votes, *st.votes_polled);
    g.electors_with_votes += v.station.electors.Total();
    ++g.turnout_stations;
  }
  if (after_close && st.state != PollState::kClosed && st.state != PollState::kNotStarted) {
    ++g.still_polling_after_close;
    if (st.queue) g.voters_waiting_after_close += st.queue->Total();
  }
  g.slots.resize(slot_values.size());
  for (std::size_t i = 0; i < slot_values.size(); ++i)
    AddStation(g.slots[i], slot_values[i], v.station.electors);
}

Json GroupJson(const GroupTotals& g) {
  return Json{{"electors", CountsJson(g.electors)},
              {"stations", g.stations},
              {"reporting_stations", g.reporting},
              {"stale_stations", g.stale},
              {"states",
               {{"not_started", g.states[0]},
                {"open", g.states[1]},
                {"interrupted", g.states[2]},
                {"closed", g.states[3]}}},
              {"queue", CountsJson(g.queue)},
              {"votes_polled", CountsJson(g.votes)},
              // Over the stations that reported turnout: a silent station is unknown, not zero.
              {"turnout_pct", g.turnout_stations ? Json(Pct(g.votes.Total(), g.electors_with_votes))
                                                 : Json(nullptr)},
              {"turnout_stations", g.turnout_stations},
              {"still_polling_after_close",
               {{"stations", g.still_polling_after_close},
                {"voters_in_queue", g.voters_waiting_after_close}}}};
}

std::string_view SlotStateName(SlotValueState s) {
  static constexpr EnumNames<SlotValueState, SlotValueState::kReported> kStates(
      {"pending", "missing", "reported"});
  return kStates.Name(s);
}

Json GroupSlotsJson(const GroupTotals& g, const std::vector<EciSlot>& slots) {
  Json out = Json::array();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const SlotTotal s = i < g.slots.size() ? g.slots[i] : SlotTotal{};
    const auto pct = s.TurnoutPct();
    out.push_back(Json{{"slot", slots[i].label},
                       {"votes", pct ? CountsJson(s.votes) : Json(nullptr)},
                       {"pct", pct ? Json(*pct) : Json(nullptr)},
                       {"reported", s.reported},
                       {"missing", s.missing},
                       {"pending", s.pending}});
  }
  return out;
}

void CsvCells(std::ostringstream& out, const SlotValue& v, std::int64_t electors) {
  if (v.state == SlotValueState::kReported) {
    out << ',' << v.votes.men << ',' << v.votes.women << ',' << v.votes.others << ','
        << v.votes.Total() << ',' << Pct(v.votes.Total(), electors);
  } else {
    const std::string_view mark = v.state == SlotValueState::kMissing ? "missing" : "";
    for (int k = 0; k < 5; ++k)
      out << ',' << mark;
  }
}

void CsvGroupCells(std::ostringstream& out, const GroupTotals& g) {
  for (const auto& s : g.slots) {
    if (s.reported == 0) {
      const std::string_view mark = s.missing > 0 ? "missing" : "";
      for (int k = 0; k < 5; ++k)
        out << ',' << mark;
      continue;
    }
    out << ',' << s.votes.men << ',' << s.votes.women << ',' << s.votes.others << ','
        << s.votes.Total() << ',' << *s.TurnoutPct();
  }
}

// A name cell of turnout.csv: always quoted, as the sheet has always been, and guarded, as the
// sheet is meant for spreadsheets.
std::string NameCell(std::string_view name) {
  return CsvField(name, CsvGuard::kFormula, CsvQuoting::kAlways);
}

// Whether a station's rows rendered from `a` are the ones `b` gives (observed_at is not shown).
bool SameRows(const std::vector<SlotValue>& a, const std::vector<SlotValue>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].state != b[k].state) return false;
    if (a[k].state == SlotValueState::kReported && !(a[k].votes == b[k].votes)) return false;
  }
  return true;
}

Json StationTurnoutJson(const Station& station, const std::vector<EciSlot>& slots,
                        const std::vector<SlotValue>& values) {
  Json station_slots = Json::array();
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const bool reported = values[k].state == SlotValueState::kReported;
    station_slots.push_back(
        Json{{"slot", slots[k].label},
             {"state", SlotStateName(values[k].state)},
             {"votes", reported ? CountsJson(values[k].votes) : Json(nullptr)},
             {"pct", reported ? Json(Pct(values[k].votes.Total(), station.electors.Total()))
                              : Json(nullptr)}});
  }
  return Json{
      {"id", station.id.ToString()}, {"ac", station.id.ac}, {"slots", std::move(station_slots)}};
}

std::string StationCsv(const Station& station, const std::vector<SlotValue>& values) {
  std::ostringstream csv;
  csv << station.id.ac << ',' << station.id.ToString() << ',' << NameCell(station.name) << ','
      << station.electors.Total();
  for (const auto& v : values)
    CsvCells(csv, v, station.electors.Total());
  csv << '\n';
  return csv.str();
}

// turnout.csv's head line: the station columns, then five per slot.
std::string CsvHead(const std::vector<EciSlot>& slots) {
  std::ostringstream head;
  head << "ac,station,name,electors";
  for (const auto& s : slots) {
    for (const char* part : {"men", "women", "others", "total", "pct"})
      head << ',' << s.label << '_' << part;
  }
  head << '\n';
  return head.str();
}

// The constituencies' rows of the summary: their table, their turnout by slot, and turnout.csv's
// total lines (each AC's, then the district's).
struct ConstituencyRows {
  Json table = Json::array();
  Json turnout = Json::array();
  std::string totals_csv;
};

ConstituencyRows RenderConstituencies(const Board& board, const std::map<int, GroupTotals>& by_ac,
                                      const GroupTotals& district,
                                      const std::vector<EciSlot>& slots) {
  ConstituencyRows out;
  std::ostringstream totals_csv;
  for (const auto& [number, totals] : by_ac) {
    const Constituency* c = board.FindConstituency(number);
    Json j{{"ac", number},
           {"name", c ? c->name : ""},
           {"reserved", c && !c->reserved.empty() ? Json(c->reserved) : Json(nullptr)}};
    j.update(GroupJson(totals));
    out.table.push_back(std::move(j));
    out.turnout.push_back(Json{{"ac", number},
                               {"name", c ? c->name : ""},
                               {"electors", totals.electors.Total()},
                               {"slots", GroupSlotsJson(totals, slots)}});
    totals_csv << number << ",AC total," << NameCell(c ? c->name : "") << ','
               << totals.electors.Total();
    CsvGroupCells(totals_csv, totals);
    totals_csv << '\n';
  }
  totals_csv << ",District total,," << district.electors.Total();
  CsvGroupCells(totals_csv, district);
  totals_csv << '\n';
  out.totals_csv = totals_csv.str();
  return out;
}

// The district summary: the day, its polling hours, and the district's totals.
Json DistrictJson(const Board& board, const PollingDay& day, const GroupTotals& district,
                  const std::vector<EciSlot>& slots) {
  std::string district_name =
      board.constituencies().empty() ? "" : board.constituencies().front().district;
  Json district_json{
      {"district", district_name},
      {"date", FormatDate(day.date)},
      {"utc_offset", FormatUtcOffset(day.utc_offset)},
      {"time_zone", "Asia/Kolkata"},
      {"polling",
       {{"opens", FormatRfc3339(day.OpensAt())}, {"closes", FormatRfc3339(day.ClosesAt())}}},
      {"constituencies", board.constituencies().size()}};
  district_json.update(GroupJson(district));
  district_json["slots"] = GroupSlotsJson(district, slots);
  return district_json;
}

// The turnout JSON: {"slots","district","constituencies","stations"}. Spliced by hand so the
// stations' cached items are not parsed back into a tree; the bytes are what dump() gives.
std::shared_ptr<std::string> TurnoutJson(const std::vector<EciSlot>& slots,
                                         const GroupTotals& district, const Json& ac_turnout,
                                         const std::string& stations_turnout) {
  Json slot_defs = Json::array();
  for (const auto& s : slots) {
    slot_defs.push_back(Json{{"slot", s.label},
                             {"at", FormatRfc3339(s.at)},
                             {"counts_until", FormatRfc3339(s.counts_until)}});
  }
  auto turnout = std::make_shared<std::string>();
  turnout->reserve(stations_turnout.size() + 4096);
  *turnout += "{\"slots\":";
  *turnout += slot_defs.dump();
  *turnout += ",\"district\":";
  *turnout += GroupSlotsJson(district, slots).dump();
  *turnout += ",\"constituencies\":";
  *turnout += ac_turnout.dump();
  *turnout += ",\"stations\":[";
  *turnout += stations_turnout;
  *turnout += "]}";
  return turnout;
}

}  // namespace

std::shared_ptr<const SummaryView> BuildSummary(const Board& board,
                                                const std::vector<StationLedger>& ledgers,
                                                const PollingDay& day, Instant now) {
  return SummaryBuilder().Build(board, ledgers, day, now);
}

std::shared_ptr<const SummaryView> SummaryBuilder::Build(const Board& board,
                                                         const std::vector<StationLedger>& ledgers,
                                                         const PollingDay& day, Instant now) {
  const std::vector<EciSlot> slots = EciSlots(day);
  const bool after_close = now >= day.ClosesAt();
  GroupTotals district;
  district.slots.resize(slots.size());
  std::map<int, GroupTotals> by_ac;
  for (const auto& c : board.constituencies())
    by_ac[c.number].slots.resize(slots.size());
  rows_.resize(board.size());

  std::string stations_turnout;  // the "stations" array's items, comma-separated
  std::string csv = CsvHead(slots);
  std::vector<SlotValue> values(slots.size());
  for (std::uint32_t i = 0; i < board.size(); ++i) {
    const auto view = board.Get(i);
    if (!view) continue;
    for (std::size_t k = 0; k < slots.size(); ++k)
      values[k] = TurnoutForSlot(ledgers[i], slots[k], now);
    AddStation(district, *view, values, after_close);
    AddStation(by_ac[view->station.id.ac], *view, values, after_close);
    const StationRows& rows = RowsFor(i, view->station, slots, values);
    if (!stations_turnout.empty()) stations_turnout += ',';
    stations_turnout += rows.json;
    csv += rows.csv;
  }
  ConstituencyRows acs = RenderConstituencies(board, by_ac, district, slots);
  csv += acs.totals_csv;

  auto view = std::make_shared<SummaryView>();
  view->district_json =
      std::make_shared<std::string>(DistrictJson(board, day, district, slots).dump());
  view->constituencies_json =
      std::make_shared<std::string>(Json{{"constituencies", std::move(acs.table)}}.dump());
  view->turnout_json = TurnoutJson(slots, district, acs.turnout, stations_turnout);
  view->turnout_csv = std::make_shared<std::string>(std::move(csv));
  view->counts = DistrictCounts{district.reporting, district.stale, district.turnout_stations,
                                district.votes.Total(), district.electors_with_votes};
  return view;
}

const SummaryBuilder::StationRows& SummaryBuilder::RowsFor(std::uint32_t i, const Station& station,
                                                           const std::vector<EciSlot>& slots,
                                                           const std::vector<SlotValue>& values) {
  StationRows& rows = rows_[i];
  if (!rows.valid || !SameRows(rows.values, values)) {
    rows.valid = true;
    rows.values = values;
    rows.json = StationTurnoutJson(station, slots, values).dump();
    rows.csv = StationCsv(station, values);
  }
  return rows;
}

}  // namespace psm
