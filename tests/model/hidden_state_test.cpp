// A forward state made for hidden states only (embeddings) holds n_embd per output, not a row of
// logits, and refuses a pass that asks for logits.
#include <gtest/gtest.h>

#include "base/error.h"
#include "model/model.h"
#include "model/model_fixtures.h"

namespace slimllm {
namespace {

TEST(HiddenState, HoldsHiddenRowsOnlyAndRefusesLogits) {
  std::unique_ptr<Model> model =
      testing_models::open_model_file(testing_models::stories_model_path());
  const ModelConfig& c = model->config();
  ForwardState hidden = model->make_state(4, 4, OutputKind::kHidden);
  ForwardState logits = model->make_state(4, 4);
  EXPECT_EQ(hidden.output.size(), static_cast<size_t>(4 * c.n_embd));
  EXPECT_EQ(logits.output.size(), static_cast<size_t>(4 * std::max(c.n_vocab, c.n_embd)));
  KvCache kv = model->make_cache(16, 1);
  const std::vector<BatchToken> batch = {{1, 0, 0, false}, {2, 1, 0, true}};
  EXPECT_EQ(model->forward(batch, kv, hidden, nullptr, OutputKind::kHidden).size(),
            static_cast<size_t>(c.n_embd));
  kv.clear(0);
  EXPECT_THROW(model->forward(batch, kv, hidden, nullptr, OutputKind::kLogits), Error);
}

}  // namespace
}  // namespace slimllm
