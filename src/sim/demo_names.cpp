// Place-name tables and the village-name inventor for the demo district; see demo_names.hpp.
#include "sim/demo_names.hpp"

#include <array>

namespace psm::sim {
namespace {

// Sizes are the ACs' 2022 rolls (sum 1,621,800); the generator scales them to the 2024 total.
constexpr std::array<DemoAcFacts, 9> kAcs{{
    {30, "Phillaur", "SC", 200018, false, "PHR", "Phillaur", 31030000, 75780000},
    {31, "Nakodar", "", 191067, false, "NKD", "Nakodar", 31130000, 75470000},
    {32, "Shahkot", "", 182026, false, "SHK", "Shahkot", 31080000, 75340000},
    {33, "Kartarpur", "SC", 179704, false, "KRP", "Kartarpur", 31440000, 75500000},
    // The city seats share Jalandhar (31.326, 75.576); each is centred on its side of town.
    {34, "Jalandhar West", "SC", 165973, true, "JLW", "", 31324000, 75554000},
    {35, "Jalandhar Central", "", 168237, true, "JLC", "", 31322000, 75580000},
    {36, "Jalandhar North", "", 183363, true, "JLN", "", 31344000, 75584000},
    {37, "Jalandhar Cantt", "", 186450, true, "JLK", "", 31302000, 75600000},
    {38, "Adampur", "SC", 164962, false, "ADP", "Adampur", 31430000, 75720000},
}};

constexpr std::array<std::string_view, 20> kWest{
    "Basti Sheikh",  "Basti Danishmandan", "Basti Guzan",     "Basti Bawa Khel",
    "Basti Nau",     "Basti Mithu",        "Bhargo Camp",     "Gandhi Camp",
    "Kot Sadiq",     "Model House",        "Raja Garden",     "Avtar Nagar",
    "Ravidas Nagar", "Sant Nagar",         "Kabir Nagar",     "Harbans Nagar",
    "Shiv Nagar",    "Dhan Mohalla",       "Leather Complex", "Babu Labh Singh Nagar"};
constexpr std::array<std::string_view, 20> kCentral{
    "Rainak Bazaar",     "Sheikhan Bazaar",  "Ali Mohalla",        "Civil Lines",
    "Lajpat Nagar",      "Central Town",     "Krishna Nagar",      "Old Jawahar Nagar",
    "New Jawahar Nagar", "Adarsh Nagar",     "Shastri Nagar",      "Mohalla Gobindgarh",
    "Islamganj",         "Kot Kishan Chand", "Qila Mohalla",       "Ajit Nagar",
    "Mai Hiran Gate",    "Ram Nagar",        "Purani Sabzi Mandi", "Bagh Karam Bakhsh"};
constexpr std::array<std::string_view, 20> kNorth{
    "Maqsudan",      "Kishanpura",      "Sodal Nagar",   "Gujral Nagar",    "Kapurthala Road",
    "Focal Point",   "Industrial Area", "Rasila Nagar",  "Guru Nanak Pura", "Basti Peer Dad",
    "Santokhpura",   "Preet Nagar",     "Ashok Nagar",   "Tagore Nagar",    "Gopal Nagar",
    "Nijatam Nagar", "Dada Colony",     "Khurla Kingra", "Suraj Ganj",      "Hardev Nagar"};
constexpr std::array<std::string_view, 20> kCantt{"Jalandhar Cantt",
                                                  "Dakoha",
                                                  "Garha",
                                                  "Defence Colony",
                                                  "Urban Estate Phase 1",
                                                  "Urban Estate Phase 2",
                                                  "Rama Mandi",
                                                  "Green Park",
                                                  "Deep Nagar",
                                                  "Model Town",
                                                  "Mithapur",
                                                  "Guru Teg Bahadur Nagar",
                                                  "Dhina",
                                                  "Nangal Shama",
                                                  "Choti Baradari",
                                                  "Mota Singh Nagar",
                                                  "Cool Road",
                                                  "Lal Kurti",
                                                  "Sarabha Nagar",
                                                  "Jalandhar Heights"};

constexpr std::array<std::string_view, 14> kUrbanBuildings{
    "Govt. Senior Secondary School",
    "Govt. Girls Senior Secondary School",
    "Govt. Model Senior Secondary School",
    "Govt. High School",
    "Govt. Primary School",
    "Municipal Corporation Primary School",
    "Community Centre",
    "Khalsa College",
    "Arya High School",
    "DAV Senior Secondary School",
    "Sanatan Dharam High School",
    "Guru Nanak Public School",
    "Sikh Girls High School",
    "Dharamshala",
};

// Rural buildings with their weights: most village booths are in the government school.
struct Weighted {
  std::string_view name;
  int weight;
};
constexpr std::array<Weighted, 6> kRuralBuildings{{
    {"Govt. Primary School", 10},
    {"Govt. Senior Secondary School", 4},
    {"Govt. High School", 4},
    {"Govt. Middle School", 3},
    {"Govt. Elementary School", 2},
    {"Panchayat Ghar", 1},
}};

// Village names: a root and an ending ("Jand" + "wal"), sometimes after "Chak", "Nangal",
// "Kot" or "Bir", sometimes followed by "Kalan"/"Khurd" (the larger/smaller of twin villages).
constexpr std::array<std::string_view, 40> kRoots{
    "Jand", "Dhan", "Sang", "Kang",  "Mal",  "Rup",  "Sidh", "Ghur", "Nur",   "Ban",
    "Tal",  "Mand", "Sar",  "Dhin",  "Lit",  "Bhan", "Rai",  "Chah", "Uch",   "Khan",
    "Dal",  "Bhat", "Sah",  "Mun",   "Thal", "Pas",  "Nag",  "Dug",  "Kul",   "Bal",
    "Jaj",  "Ram",  "Hari", "Fateh", "Sher", "Mir",  "Dhal", "Gil",  "Samra", "Bahadur"};
constexpr std::array<std::string_view, 14> kEndings{"pur",  "wal",   "wala",  "garh", "ian",
                                                    "ke",   "sar",   "kot",   "ewal", "oke",
                                                    "pura", "khera", "majra", "abad"};
constexpr std::array<std::string_view, 4> kPrefixes{"Chak ", "Nangal ", "Kot ", "Bir "};
constexpr std::array<std::string_view, 2> kSuffixes{" Kalan", " Khurd"};

template <class A>
std::string_view Pick(DemoRng& rng, const A& options) {
  return options[rng.Below(options.size())];
}

}  // namespace

std::span<const DemoAcFacts> DemoAcs() {
  return kAcs;
}

std::span<const std::string_view> CityLocalities(int ac) {
  switch (ac) {
    case 34:
      return kWest;
    case 35:
      return kCentral;
    case 36:
      return kNorth;
    case 37:
      return kCantt;
    default:
      return {};
  }
}

std::span<const std::string_view> UrbanBuildings() {
  return kUrbanBuildings;
}

std::string_view DrawRuralBuilding(DemoRng& rng) {
  int total = 0;
  for (const auto& b : kRuralBuildings)
    total += b.weight;
  auto pick = static_cast<int>(rng.Below(static_cast<std::uint64_t>(total)));
  for (const auto& b : kRuralBuildings) {
    if (pick < b.weight) return b.name;
    pick -= b.weight;
  }
  return kRuralBuildings[0].name;
}

std::string InventVillageName(DemoRng& rng) {
  std::string name;
  if (rng.Chance(1, 6)) name += Pick(rng, kPrefixes);
  name += Pick(rng, kRoots);
  name += Pick(rng, kEndings);
  if (rng.Chance(1, 6)) name += Pick(rng, kSuffixes);
  return name;
}

}  // namespace psm::sim
