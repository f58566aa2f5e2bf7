#include "common/base/named_presets.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptk {
namespace {

const NamedPresets<int>& widths() {
  static const NamedPresets<int> table = {{"small", 64}, {"large", 256}};
  return table;
}

TEST(NamedPresets, ListsTheNamesInTableOrderAndFindsEach) {
  EXPECT_EQ(preset_names(widths()), (std::vector<std::string>{"small", "large"}));
  EXPECT_EQ(find_preset(widths(), "large", "width"), 256);
}

TEST(NamedPresets, AnUnknownNameIsAUsageErrorListingTheValidOnes) {
  try {
    find_preset(widths(), "huge", "width");
    FAIL() << "no error for an unknown preset";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_STREQ(e.what(), "unknown width 'huge'; valid names: small, large");
  }
}

}  // namespace
}  // namespace ptk
