// Request bodies into the API types, as the routes read them: parse_body, then one of the native
// readers (generate, chat, embed, embeddings, create, show/delete/pull, copy) with the options
// they validated, or one of the /v1 translations. A client's mistake must come back as an Error
// (the server's 400s); anything else escaping (a JSON library type_error, a crash, a hang) is a
// bug this target reports. The input's first byte picks the reader; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api/embed.h"
#include "api/openai.h"
#include "api/openai_embed.h"
#include "api/openai_responses.h"
#include "api/options.h"
#include "api/types.h"
#include "base/error.h"

namespace {

using slimllm::api::Json;
namespace api = slimllm::api;

void read_request(uint8_t reader, const Json& body) {
  switch (reader % 11) {
    case 0: {
      const api::GenerateRequest r = api::GenerateRequest::from_json(body);
      slimllm::Options::defaults(4096).apply(r.options);
      break;
    }
    case 1: {
      const api::ChatRequest r = api::ChatRequest::from_json(body);
      slimllm::Options::defaults(4096).apply(r.options);
      for (const api::Message& m : r.messages) (void)m.to_json();
      break;
    }
    case 2:
      api::EmbedRequest::from_json(body);
      break;
    case 3:
      api::EmbeddingRequest::from_json(body);
      break;
    case 4:
      api::CreateRequest::from_json(body);
      break;
    case 5:
      api::ModelRequest::from_json(body);
      break;
    case 6:
      api::CopyRequest::from_json(body);
      break;
    case 7: {
      api::openai::Exchange e;
      api::openai::chat_request(body, e);
      break;
    }
    case 8: {
      api::openai::Exchange e;
      api::openai::completion_request(body, e);
      break;
    }
    case 9: {
      api::openai::EmbedExchange e;
      api::openai::embeddings_request(body, e);
      break;
    }
    default: {
      api::openai::ResponsesExchange e;
      api::openai::responses_request(body, e);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    read_request(data[0], api::parse_body(body));
  } catch (const slimllm::Error&) {
    // A 4xx (or a 404 for a model name): what a client's mistake should give.
  }
  return 0;
}
