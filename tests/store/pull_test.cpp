// Pulls from a fake registry on 127.0.0.1 into a temporary store: the progress stream, redirects,
// parallel parts, corruption, resume after a cut connection, stalls, and concurrent writers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/sha256.h"
#include "fake_registry.h"
#include "store/blob_lock.h"
#include "store/create.h"
#include "store/pull.h"
#include "store/push.h"
#include "store/store_error.h"
#include "store/store_fixtures.h"

namespace fs = std::filesystem;

namespace slimllm {
namespace {

using ::testing::HasSubstr;

using testing::read_all;

const std::string& kGguf = testing::kStoriesGguf;

class PullTest : public testing::TempStoreTest {
 protected:
  PullTest() : TempStoreTest("pull") {}
  void SetUp() override {
    TempStoreTest::SetUp();
    gguf_ = read_all(kGguf);
    model_layer_ = registry_.add_blob(gguf_, std::string(kMediaModel));
    template_layer_ = registry_.add_blob("{{ .Prompt }}", std::string(kMediaTemplate));
    manifest_ = registry_.add_model("library", "stories", "260k", {model_layer_, template_layer_});
    name_ = *ModelName::parse(registry_.host() + "/library/stories:260k");
  }

  // Options for fast tests: no retry sleeps, small checkpoints, the progress recorded.
  PullOptions options() {
    PullOptions o = testing::fast_pull_options();
    o.download.checkpoint_bytes = 64 * 1024;
    o.progress = [this](const PullProgress& p) {
      std::lock_guard lock(mutex_);
      events_.push_back(p);
    };
    return o;
  }

  // Files under blobs/ other than complete blobs.
  std::vector<std::string> leftovers() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ / "models/blobs", ec)) {
      std::string n = e.path().filename().string();
      if (!is_valid_digest(n)) out.push_back(n);
    }
    return out;
  }

  testing::FakeRegistry registry_;
  std::string gguf_, manifest_;
  Layer model_layer_, template_layer_;
  ModelName name_;
  std::mutex mutex_;
  std::vector<PullProgress> events_;
};

TEST_F(PullTest, PullsAModelWithOllamasProgressStream) {
  pull_model(*store_, name_, options());

  std::optional<StoredModel> model = store_->find(name_);
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->digest, Sha256::hex(manifest_));  // the registry's bytes, kept as they came
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  EXPECT_TRUE(leftovers().empty());

  // pulling manifest, one series per layer in manifest order then the config, then the tail.
  std::vector<std::string> statuses;
  for (const PullProgress& p : events_) {
    if (statuses.empty() || statuses.back() != p.status) statuses.push_back(p.status);
  }
  Manifest m = Manifest::parse(manifest_, "test");
  EXPECT_THAT(statuses, ::testing::ElementsAre(
                            "pulling manifest", "pulling " + model_layer_.digest.substr(7, 12),
                            "pulling " + template_layer_.digest.substr(7, 12),
                            "pulling " + m.config.digest.substr(7, 12), "verifying sha256 digest",
                            "writing manifest", "success"));
  for (const PullProgress& p : events_) {
    if (p.status.rfind("pulling ", 0) != 0 || p.status == "pulling manifest") continue;
    EXPECT_EQ(p.digest.substr(7, 12), p.status.substr(8));
    EXPECT_LE(p.completed, p.total);
  }
  // Every layer series ends complete.
  const PullProgress* last_model = nullptr;
  for (const PullProgress& p : events_) {
    if (p.digest == model_layer_.digest) last_model = &p;
  }
  ASSERT_NE(last_model, nullptr);
  EXPECT_EQ(last_model->total, gguf_.size());
  EXPECT_EQ(last_model->completed, gguf_.size());
}

TEST_F(PullTest, PresentBlobsAreNotDownloadedAgain) {
  pull_model(*store_, name_, options());
  int64_t first = registry_.blob_bytes;
  events_.clear();
  pull_model(*store_, name_, options());
  EXPECT_EQ(registry_.blob_bytes, first);
  // Already-present blobs: one event with completed = total.
  int model_events = 0;
  for (const PullProgress& p : events_) {
    if (p.digest != model_layer_.digest) continue;
    ++model_events;
    EXPECT_EQ(p.completed, p.total);
  }
  EXPECT_EQ(model_events, 1);
}

TEST_F(PullTest, FollowsBlobRedirects) {
  registry_.redirect_blobs = true;
  pull_model(*store_, name_, options());
  EXPECT_TRUE(store_->find(name_).has_value());
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  EXPECT_EQ(registry_.cdn_bytes, registry_.blob_bytes);
  EXPECT_GE(registry_.cdn_bytes, static_cast<int64_t>(gguf_.size()));
}

TEST_F(PullTest, DownloadsLargeBlobsInParallelRangedParts) {
  PullOptions o = options();
  o.download.parallel_threshold = 64 * 1024;
  o.download.parts = 4;
  std::atomic<uint64_t> counted{0};
  o.on_bytes = [&](uint64_t n) { counted += n; };
  pull_model(*store_, name_, o);
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  std::vector<std::string> ranges = registry_.ranges();
  uint64_t part = (gguf_.size() + 3) / 4;
  for (int i = 0; i < 4; ++i) {
    uint64_t end = std::min<uint64_t>((i + 1) * part, gguf_.size()) - 1;
    EXPECT_THAT(ranges, ::testing::Contains(str_cat("bytes=", i * part, "-", end)));
  }
  EXPECT_EQ(counted.load(), static_cast<uint64_t>(registry_.blob_bytes.load()));
}

TEST_F(PullTest, RefusesACorruptedBlobAndLeavesNothing) {
  registry_.corrupt_at = 1000;
  try {
    pull_model(*store_, name_, options());
    FAIL() << "pull succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              str_cat("digest mismatch, file must be downloaded again: want ", model_layer_.digest,
                      ", got sha256:",
                      Sha256::hex(std::string(gguf_).replace(1000, 1, 1, gguf_[1000] ^ 0x55))));
  }
  EXPECT_FALSE(store_->find(name_).has_value());
  EXPECT_FALSE(store_->has_blob(model_layer_.digest));
  EXPECT_TRUE(leftovers().empty()) << leftovers()[0];
}

TEST_F(PullTest, ResumesAfterACutConnectionDownloadingOnlyTheRest) {
  const int64_t cut = 300000;
  registry_.cut_after = cut;
  PullOptions o = options();
  o.download.max_retries = 1;
  EXPECT_THROW(pull_model(*store_, name_, o), Error);
  EXPECT_FALSE(store_->find(name_).has_value());
  EXPECT_FALSE(store_->has_blob(model_layer_.digest));
  EXPECT_TRUE(fs::exists(store_->partial_path(model_layer_.digest)));
  int64_t first = registry_.blob_bytes;
  EXPECT_EQ(first, cut);

  registry_.cut_after = -1;
  registry_.blob_bytes = 0;
  events_.clear();
  pull_model(*store_, name_, options());
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  // The second pull fetched only what the first did not keep (plus the two small blobs).
  int64_t small =
      static_cast<int64_t>(template_layer_.size + store_->get(name_).manifest.config.size);
  EXPECT_EQ(registry_.blob_bytes, static_cast<int64_t>(gguf_.size()) - cut + small);
  EXPECT_THAT(registry_.ranges(),
              ::testing::Contains(str_cat("bytes=", cut, "-", gguf_.size() - 1)));
  // Its first progress event for the layer already counts the bytes on disk.
  for (const PullProgress& p : events_) {
    if (p.digest == model_layer_.digest) {
      EXPECT_EQ(p.completed, static_cast<uint64_t>(cut));
      break;
    }
  }
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(PullTest, ResumesAfterThePullingProcessIsKilled) {
  const int64_t stall = 400000;
  registry_.stall_after = stall;
  fs::path sidecar = store_->partial_path(model_layer_.digest);
  sidecar += ".json";
  // The pulling process is a program of its own (tests/store/pull_child), not a fork() of this
  // one, whose registry threads a forked child would share memory with but not run.
  std::string program = SLIMLLM_PULL_CHILD, store_root = (root_ / "models").string(),
              name = registry_.host() + "/library/stories:260k";
  char* argv[] = {program.data(), store_root.data(), name.data(), nullptr};
  pid_t child = -1;
  ASSERT_EQ(posix_spawn(&child, program.c_str(), nullptr, nullptr, argv, environ), 0);
  // Wait until the registry has sent its bytes and parked the request, and the child has
  // recorded part of the blob. Only a child that dies or never gets there ends the wait early.
  uint64_t recorded = 0;
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 12000 && (recorded == 0 || registry_.stalls == 0); ++i) {
    if (waitpid(child, &status, WNOHANG) == child) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(sidecar);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.contains("parts")) recorded = j["parts"][0]["completed"];
  }
  ASSERT_FALSE(exited) << "the pulling process ended before the stall, status " << status;
  ASSERT_EQ(kill(child, SIGKILL), 0);
  waitpid(child, nullptr, 0);
  ASSERT_GT(recorded, 0u) << "sent " << registry_.blob_bytes << " bytes, stalls "
                          << registry_.stalls;
  ASSERT_EQ(registry_.stalls, 1) << "sent " << registry_.blob_bytes << " bytes";
  // What the dead process left: its lock, the partial, and a sidecar that may lag the data.
  EXPECT_TRUE(fs::exists(store_->lock_path(model_layer_.digest)));
  std::ifstream in(sidecar);
  uint64_t kept = nlohmann::json::parse(in)["parts"][0]["completed"];
  EXPECT_LE(kept, static_cast<uint64_t>(stall));

  registry_.stall_after = -1;
  registry_.release_stall();
  registry_.blob_bytes = 0;
  pull_model(*store_, name_, options());
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  int64_t small =
      static_cast<int64_t>(template_layer_.size + store_->get(name_).manifest.config.size);
  // Only the bytes the dead process had not made durable were fetched again.
  EXPECT_EQ(registry_.blob_bytes, static_cast<int64_t>(gguf_.size() - kept) + small);
  EXPECT_TRUE(leftovers().empty()) << ::testing::PrintToString(leftovers());
}

TEST_F(PullTest, ResumesPartsOfAParallelDownload) {
  registry_.cut_after = 500000;
  PullOptions o = options();
  o.download.parallel_threshold = 64 * 1024;
  o.download.max_retries = 0;
  EXPECT_THROW(pull_model(*store_, name_, o), Error);
  int64_t first = registry_.blob_bytes;
  registry_.cut_after = -1;
  registry_.blob_bytes = 0;
  o.download.max_retries = 6;
  pull_model(*store_, name_, o);
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  int64_t small =
      static_cast<int64_t>(template_layer_.size + store_->get(name_).manifest.config.size);
  EXPECT_EQ(registry_.blob_bytes + first, static_cast<int64_t>(gguf_.size()) + small);
}

TEST_F(PullTest, RetriesAStalledPart) {
  registry_.stall_requests = 1;
  PullOptions o = options();
  o.download.stall_seconds = 1;
  pull_model(*store_, name_, o);
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  EXPECT_GE(registry_.blob_requests, 4);  // the stalled one, its retry, template, config
}

TEST_F(PullTest, TwoConcurrentPullsLeaveOneGoodCopy) {
  std::atomic<int> failures{0};
  auto pull = [&] {
    try {
      PullOptions o = options();
      o.progress = nullptr;
      pull_model(*store_, name_, o);
    } catch (const Error&) {
      ++failures;
    }
  };
  std::thread a(pull), b(pull);
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(read_all(store_->blob_path(model_layer_.digest)), gguf_);
  EXPECT_EQ(store_->count_blobs(), 3u);
  EXPECT_TRUE(leftovers().empty());
  // Each blob crossed the wire once: the second writer waited for the first.
  int64_t small =
      static_cast<int64_t>(template_layer_.size + store_->get(name_).manifest.config.size);
  EXPECT_EQ(registry_.blob_bytes, static_cast<int64_t>(gguf_.size()) + small);
}

TEST_F(PullTest, BreaksTheLockOfADeadWriter) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  fs::create_directories(root_ / "models/blobs");
  std::ofstream(store_->lock_path(model_layer_.digest))
      << child << " " << host << " " << time(nullptr) << "\n";
  pull_model(*store_, name_, options());
  EXPECT_TRUE(store_->has_blob(model_layer_.digest));
  EXPECT_TRUE(leftovers().empty());
}

TEST_F(PullTest, ReportsAMissingModelInOllamasWords) {
  try {
    pull_model(*store_, *ModelName::parse(registry_.host() + "/library/nothing:latest"), options());
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "pull model manifest: file does not exist");
  }
}

TEST_F(PullTest, UsesHttpsUnlessInsecure) {
  PullOptions o = options();
  o.registry.insecure = false;
  try {
    pull_model(*store_, name_, o);
    FAIL();
  } catch (const Error& e) {
    // A TLS handshake with a plain-http server fails; the client is told only that the registry
    // cannot be reached (the cause is in the log).
    EXPECT_EQ(std::string(e.what()), "pull model manifest: cannot reach registry " + registry_.host());
  }
  EXPECT_EQ(registry_.manifest_requests, 0);
  RegistryOptions plain;
  plain.mirror = "http://mirror.example";  // an operator's explicit http:// mirror is allowed
  RegistryClient client(*ModelName::parse("llama3.2"), plain);
  EXPECT_EQ(client.bases().front(), "http://mirror.example");
  EXPECT_EQ(client.bases().back(), "https://registry.ollama.ai");
}

TEST_F(PullTest, AsksTheMirrorFirstForTheDefaultRegistry) {
  PullOptions o = options();
  o.registry.insecure = false;
  o.registry.mirror = registry_.url();
  ModelName name = *ModelName::parse("library/stories:260k");
  pull_model(*store_, name, o);
  EXPECT_TRUE(store_->find(name).has_value());
  EXPECT_EQ(registry_.manifest_requests, 1);
}

TEST(BlobLockTest, SecondWriterWaitsAndStaleLocksAreBroken) {
  char tmpl[] = "/tmp/slimllm-lock-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path lock_path = fs::path(tmpl) / "x.lock";
  {
    std::optional<BlobLock> a = BlobLock::try_acquire(lock_path);
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(BlobLock::try_acquire(lock_path).has_value());
    EXPECT_TRUE(BlobLock::is_live(lock_path));
  }
  EXPECT_FALSE(fs::exists(lock_path));
  // A lock from another host whose time is old is stale.
  std::ofstream(lock_path) << "1 elsewhere 1000\n";
  fs::last_write_time(lock_path, fs::file_time_type::clock::now() - std::chrono::hours(2));
  EXPECT_FALSE(BlobLock::is_live(lock_path, std::chrono::seconds(600)));
  EXPECT_TRUE(BlobLock::try_acquire(lock_path, std::chrono::seconds(600)).has_value());
  // A fresh one from another host is respected.
  std::ofstream(lock_path) << "1 elsewhere " << time(nullptr) << "\n";
  EXPECT_FALSE(BlobLock::try_acquire(lock_path).has_value());
  fs::remove_all(tmpl);
}

TEST_F(PullTest, PruneKeepsBlobsBeingWritten) {
  pull_model(*store_, name_, options());
  store_->remove(name_);
  EXPECT_FALSE(store_->has_blob(model_layer_.digest));
  pull_model(*store_, name_, options());
  // Another writer holds the model blob's lock, one has a partial of the template's.
  std::optional<BlobLock> lock = BlobLock::try_acquire(store_->lock_path(model_layer_.digest));
  ASSERT_TRUE(lock.has_value());
  std::ofstream(store_->partial_path(template_layer_.digest)) << "x";
  store_->remove(name_);
  EXPECT_TRUE(store_->has_blob(model_layer_.digest));
  EXPECT_TRUE(store_->has_blob(template_layer_.digest));
  EXPECT_EQ(store_->count_blobs(), 2u);  // the config blob went
}

TEST_F(PullTest, StartupKeepsYoungPartialsAndRemovesOldOnes) {
  fs::create_directories(root_ / "models/blobs");
  fs::path young = store_->partial_path(model_layer_.digest);
  fs::path old = store_->partial_path(template_layer_.digest);
  std::ofstream(young) << "abc";
  std::ofstream(old) << "abc";
  fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(25));
  EXPECT_EQ(store_->prune_stale_partials(), 1u);
  EXPECT_TRUE(fs::exists(young));
  EXPECT_FALSE(fs::exists(old));
}

TEST_F(PullTest, PushesAModelThatPullsBackIdentical) {
  // A model made locally, named for the fake registry.
  Layer blob = store_->add_blob_file(kGguf, kMediaModel);
  CreateSpec spec;
  spec.name = *ModelName::parse(registry_.host() + "/me/pushed:v1");
  spec.files["stories260K.gguf"] = blob.digest;
  spec.system = "You tell stories.";
  std::string digest = create_model(*store_, spec, {});
  PushOptions push;
  push.registry.insecure = true;
  std::vector<std::string> statuses;
  push.progress = [&](const PullProgress& p) {
    if (statuses.empty() || statuses.back() != p.status) statuses.push_back(p.status);
  };
  push_model(*store_, spec.name, push);
  StoredModel local = store_->get(spec.name);
  EXPECT_EQ(statuses.front(), "retrieving manifest");
  EXPECT_EQ(statuses[1], "pushing " + local.manifest.layers[0].digest.substr(7, 12));
  EXPECT_EQ(statuses[statuses.size() - 2], "pushing manifest");
  EXPECT_EQ(statuses.back(), "success");
  EXPECT_EQ(registry_.uploads, 2);  // system, config: the fixture already published the GGUF

  // Pushing again uploads nothing: the registry has every blob.
  push_model(*store_, spec.name, push);
  EXPECT_EQ(registry_.uploads, 2);

  // Pulled back into another store, the model is the same to the byte.
  ModelStore other(root_ / "other");
  pull_model(other, spec.name, options());
  EXPECT_EQ(other.get(spec.name).digest, digest);
  EXPECT_EQ(other.read_blob(blob.digest), gguf_);

  // A model that is not there.
  EXPECT_THROW(push_model(*store_, *ModelName::parse(registry_.host() + "/me/none:v1"), push),
               StoreError);
}

}  // namespace
}  // namespace slimllm
