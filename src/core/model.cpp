// Names, parsing and comparison for the domain types.
#include "core/model.hpp"

#include "core/enum_names.hpp"
#include "core/text.hpp"

namespace psm {
namespace {

constexpr EnumNames<ReportKind, ReportKind::kEvent> kReportKinds({"queue", "turnout", "event"});
constexpr EnumNames<EventKind, EventKind::kPollClosed> kEventKinds(
    {"party_arrived", "mock_poll_done", "poll_started", "interrupted", "resumed", "poll_closed"});
constexpr EnumNames<PollState, PollState::kClosed> kPollStates({"not_started", "open",
                                                                "interrupted", "closed"});
constexpr EnumNames<Trend, Trend::kFalling> kTrends({"unknown", "rising", "steady", "falling"});

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string StationId::ToString() const {
  return std::to_string(ac) + "-" + std::to_string(part);
}

std::optional<StationId> StationId::Parse(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view ac_text = text.substr(0, dash);
  const std::string_view part_text = text.substr(dash + 1);
  if (ac_text.size() > 3 || part_text.size() > 4) return std::nullopt;
  const auto ac = ParseDigits<int>(ac_text);
  const auto part = ParseDigits<int>(part_text);
  if (!ac || !part || *ac <= 0 || *part <= 0) return std::nullopt;
  StationId id;
  id.ac = *ac;
  id.part = *part;
  // Canonical form only ("34-112", not "034-0112"), so one station has one id string. Both
  // numbers are positive, so a leading zero is the only other way to write them.
  if (text.front() == '0' || text[dash + 1] == '0') return std::nullopt;
  return id;
}

std::string_view ToString(ReportKind k) {
  return kReportKinds.Name(k);
}

std::string_view ToString(EventKind k) {
  return kEventKinds.Name(k);
}

std::optional<ReportKind> ParseReportKind(std::string_view s) {
  return kReportKinds.Parse(s);
}

std::optional<EventKind> ParseEventKind(std::string_view s) {
  return kEventKinds.Parse(s);
}

std::string_view ToString(PollState s) {
  return kPollStates.Name(s);
}

std::string_view ToString(Trend t) {
  return kTrends.Name(t);
}

bool Report::SameContent(const Report& o) const {
  if (id != o.id || station != o.station || kind != o.kind || observed_at != o.observed_at)
    return false;
  switch (kind) {
    case ReportKind::kQueue:
    case ReportKind::kTurnout:
      return counts == o.counts && reason == o.reason;
    case ReportKind::kEvent:
      return event == o.event && reason == o.reason &&
             voters_in_queue_at_close == o.voters_in_queue_at_close;
  }
  return false;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

bool IsEpic(std::string_view s) {
  if (s.size() != 10) return false;
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  for (std::size_t i = 3; i < 10; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace psm
