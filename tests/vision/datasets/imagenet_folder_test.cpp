// The ImageNet folder reader on real directory trees in a temp dir: class index = sorted wnid,
// the devkit's flat val/ remapped through its synset list, and errors that name the file.
#include "vision/datasets/imagenet_folder.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class ImageNetFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ptk_imagenet_folder_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void touch(const std::string& relative) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "bytes";
  }
  void write(const std::string& relative, const std::string& text) {
    std::ofstream(root_ / relative) << text;
  }
  std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  // train/ with three classes listed out of order; val/ left to the test.
  void make_train() {
    for (const char* file : {"train/n02/b.JPEG", "train/n02/a.JPEG", "train/n01/x.jpeg",
                             "train/n03/z.png", "train/n03/notes.txt"}) {
      touch(file);
    }
  }

  // The error message of read_imagenet_folder, or "" when it succeeds.
  std::string error_of(const ImageFolderOptions& options = {}) {
    try {
      read_imagenet_folder(root_.string(), options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path root_;
};

TEST_F(ImageNetFolderTest, ClassIndexIsSortedWnidAndFilesAreSorted) {
  make_train();
  for (const char* file : {"val/n03/v1.JPEG", "val/n01/v2.JPEG", "val/n01/v0.JPEG"}) touch(file);
  const ImageFolderSet set = read_imagenet_folder(root_.string());
  EXPECT_EQ(set.classes, (std::vector<std::string>{"n01", "n02", "n03"}));
  ASSERT_EQ(set.train.size(), 4u);
  EXPECT_EQ(set.train[0].path, path("train/n01/x.jpeg"));
  EXPECT_EQ(set.train[0].label, 0);
  EXPECT_EQ(set.train[1].path, path("train/n02/a.JPEG"));
  EXPECT_EQ(set.train[2].path, path("train/n02/b.JPEG"));
  EXPECT_EQ(set.train[2].label, 1);
  EXPECT_EQ(set.train[3].label, 2);
  EXPECT_EQ(set.skipped_files, 1);  // notes.txt
  EXPECT_FALSE(set.devkit_val);
  ASSERT_EQ(set.val.size(), 3u);
  EXPECT_EQ(set.val[0].path, path("val/n01/v0.JPEG"));
  EXPECT_EQ(set.val[0].label, 0);
  EXPECT_EQ(set.val[2].path, path("val/n03/v1.JPEG"));
  EXPECT_EQ(set.val[2].label, 2);
}

TEST_F(ImageNetFolderTest, DevkitValIsRemappedThroughTheSynsetList) {
  make_train();
  // Devkit order differs from sorted order: class number 1 is n03, 2 is n01, 3 is n02.
  for (const char* file : {"val/ILSVRC2012_val_00000002.JPEG", "val/ILSVRC2012_val_00000001.JPEG",
                           "val/ILSVRC2012_val_00000003.JPEG"}) {
    touch(file);
  }
  write("synsets.txt", "n03 tench, Tinca tinca\nn01\nn02 something\n");
  write("truth.txt", "1\n3\n2\n");  // for files ..01, ..02, ..03 in sorted name order
  const ImageFolderSet set =
      read_imagenet_folder(root_.string(), {path("truth.txt"), path("synsets.txt")});
  EXPECT_TRUE(set.devkit_val);
  ASSERT_EQ(set.val.size(), 3u);
  EXPECT_EQ(set.val[0].path, path("val/ILSVRC2012_val_00000001.JPEG"));
  EXPECT_EQ(set.val[0].label, 2);  // class number 1 -> n03 -> sorted index 2
  EXPECT_EQ(set.val[1].label, 1);  // 3 -> n02 -> 1
  EXPECT_EQ(set.val[2].label, 0);  // 2 -> n01 -> 0
}

TEST_F(ImageNetFolderTest, DevkitErrorsNameTheFileAndLine) {
  make_train();
  touch("val/a.JPEG");
  touch("val/b.JPEG");
  write("synsets.txt", "n01\nn02\nn03\n");
  EXPECT_NE(error_of().find("eval.val_ground_truth"), std::string::npos);

  write("truth.txt", "1\n");
  std::string error = error_of({path("truth.txt"), path("synsets.txt")});
  EXPECT_NE(error.find(path("truth.txt")), std::string::npos) << error;
  EXPECT_NE(error.find("1 labels for 2 images"), std::string::npos) << error;

  write("truth.txt", "1\n4\n");
  error = error_of({path("truth.txt"), path("synsets.txt")});
  EXPECT_NE(error.find(path("truth.txt") + ":2"), std::string::npos) << error;

  write("truth.txt", "1\nabc\n");
  error = error_of({path("truth.txt"), path("synsets.txt")});
  EXPECT_NE(error.find(path("truth.txt") + ":2"), std::string::npos) << error;

  write("truth.txt", "1\n2\n");
  write("synsets.txt", "n01\nn09\n");
  error = error_of({path("truth.txt"), path("synsets.txt")});
  EXPECT_NE(error.find(path("synsets.txt") + ":2"), std::string::npos) << error;
  EXPECT_NE(error.find("n09"), std::string::npos) << error;

  write("synsets.txt", "n01\nn01\n");
  error = error_of({path("truth.txt"), path("synsets.txt")});
  EXPECT_NE(error.find("listed twice"), std::string::npos) << error;

  error = error_of({path("missing.txt"), path("synsets.txt")});
  EXPECT_NE(error.find("synsets.txt"), std::string::npos) << error;
}

TEST_F(ImageNetFolderTest, LayoutErrorsNameTheFolder) {
  EXPECT_NE(error_of().find(path("train")), std::string::npos);
  make_train();
  EXPECT_NE(error_of().find(path("val")), std::string::npos);
  touch("val/n07/a.JPEG");
  std::string error = error_of();
  EXPECT_NE(error.find(path("val/n07")), std::string::npos) << error;
  EXPECT_NE(error.find("no counterpart in train"), std::string::npos) << error;
  fs::remove_all(root_ / "val/n07");
  fs::create_directories(root_ / "val/n01");
  error = error_of();
  EXPECT_NE(error.find(path("val/n01") + ": class folder has no images"), std::string::npos)
      << error;
}

TEST(ImageFileName, KnownExtensionsInAnyCaseOnly) {
  EXPECT_TRUE(is_image_file_name("a.JPEG"));
  EXPECT_TRUE(is_image_file_name("b.jpg"));
  EXPECT_TRUE(is_image_file_name("c.Png"));
  EXPECT_FALSE(is_image_file_name(".hidden.jpg"));
  EXPECT_FALSE(is_image_file_name("readme.txt"));
  EXPECT_FALSE(is_image_file_name("noextension"));
}

}  // namespace
}  // namespace ptk::vision
