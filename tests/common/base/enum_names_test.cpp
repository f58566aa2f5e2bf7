// One name table per enum: printing, parsing with aliases, and the error a wrong name gets.
#include "common/base/enum_names.h"

#include <gtest/gtest.h>

namespace ptk {
namespace {

enum class Fruit { kApple, kPear, kQuince };

constexpr EnumName<Fruit> kFruitNames[] = {{Fruit::kApple, "apple"},
                                           {Fruit::kPear, "pear"},
                                           {Fruit::kQuince, "quince"},
                                           {Fruit::kPear, "poire"}};

TEST(EnumNames, PrintsTheFirstNameAndParsesEveryName) {
  EXPECT_STREQ(name_of(kFruitNames, Fruit::kPear), "pear");
  EXPECT_STREQ(name_of(kFruitNames, static_cast<Fruit>(7)), "?");
  EXPECT_EQ(parse_name(kFruitNames, "quince", "fruit"), Fruit::kQuince);
  EXPECT_EQ(parse_name(kFruitNames, "poire", "fruit"), Fruit::kPear);
  EXPECT_FALSE(find_value(kFruitNames, "Apple").has_value());  // names are exact
}

TEST(EnumNames, AWrongNameIsAUsageErrorListingTheValidOnes) {
  try {
    parse_name(kFruitNames, "plum", "fruit");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_STREQ(e.what(), "unknown fruit 'plum' (expected apple, pear or quince)");
  }
}

}  // namespace
}  // namespace ptk
