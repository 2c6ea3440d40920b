// Fuzzes the roll files as `psm import` reads them: the CSV reader, then the validating reader
// of one file. The first byte picks what ('0' records only, '1' constituencies.csv, '2'
// stations.csv, '3' electors.csv); the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "roll/csv_reader.hpp"
#include "roll/fields.hpp"
#include "roll/roll_files.hpp"

namespace {

using namespace psm::roll;

// Every record and field, through the field checks the file readers use.
void ReadRecords(CsvReader& reader) {
  CsvRecord record;
  std::uint64_t last_line = 0;
  for (;;) {
    const auto next = reader.Next(record);
    if (!next.ok() || !*next) return;
    if (record.line() < last_line) __builtin_trap();  // lines only go forward
    last_line = record.line();
    for (std::size_t i = 0; i < record.size(); ++i) {
      const std::string_view field = record[i];
      (void)Quote(field);
      (void)CheckText(field);
      // An EPIC packs to a key that unpacks to the same EPIC in upper case.
      if (const auto key = PackEpic(field); key && UnpackEpic(*key) != ToUpperAscii(field))
        __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char which = static_cast<char>(data[0]);
  CsvReader reader =
      CsvReader::FromString(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  ErrorSink errors("fuzz.csv", 20);
  std::uint64_t rows = 0;
  switch (which) {
    case '1':
      (void)ReadConstituencies(reader, errors, rows);
      break;
    case '2':
      (void)ReadStations(reader, {31, 34}, errors, rows);
      break;
    case '3': {
      const std::unordered_set<std::uint32_t> stations = {StationKey(psm::StationId{34, 112}),
                                                          StationKey(psm::StationId{31, 1})};
      (void)ReadElectors(reader, stations, {}, errors, rows);
      break;
    }
    default:
      ReadRecords(reader);
  }
  (void)errors.Messages();
  return 0;
}
