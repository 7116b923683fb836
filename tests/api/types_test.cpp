#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/host.h"
#include "api/modelfile.h"
#include "api/types.h"

namespace slimllm::api {
namespace {

std::string body_error(const std::string& body) {
  try {
    GenerateRequest::from_json(parse_body(body));
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.what();
  }
  return "no error";
}

TEST(Types, RequestErrorsUseGoMessages) {
  EXPECT_EQ(body_error(""), "missing request body");
  EXPECT_EQ(body_error("{\"model\":"), "unexpected EOF");
  EXPECT_EQ(body_error("xyz"), "invalid character 'x' looking for beginning of value");
  EXPECT_EQ(
      body_error(R"({"model":"m","stream":"yes"})"),
      "json: cannot unmarshal string into Go struct field GenerateRequest.stream of type bool");
  EXPECT_EQ(body_error(R"({"model":"m","keep_alive":"-1"})"),
            "time: missing unit in duration \"-1\"");
  EXPECT_EQ(body_error(R"({"model":"m","options":{"top_k":"a"}})"),
            "option \"top_k\" must be of type integer");
}

TEST(Types, ParsesGenerateRequest) {
  GenerateRequest r = GenerateRequest::from_json(parse_body(
      R"({"model":"m","prompt":"hi","stream":false,"keep_alive":-1,"context":[1,2],"unknown":1})"));
  EXPECT_EQ(r.model, "m");
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(*r.keep_alive, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.context, (std::vector<int32_t>{1, 2}));
}

TEST(Types, WritesResponsesInGoFieldOrder) {
  GenerateResponse g;
  g.model = "m";
  g.created_at = "2024-01-01T00:00:00Z";
  g.response = "<b>";
  g.done = true;
  g.done_reason = "stop";
  g.metrics.total_duration = 5;
  g.metrics.eval_count = 2;
  EXPECT_EQ(
      go_json(g.to_json()),
      R"({"model":"m","created_at":"2024-01-01T00:00:00Z","response":"\u003cb\u003e","done":true,)"
      R"("done_reason":"stop","total_duration":5,"eval_count":2})");
  ChatResponse c;
  c.model = "m";
  c.created_at = "t";
  c.message.role = "assistant";
  c.done = true;
  c.done_reason = "load";
  EXPECT_EQ(
      go_json(c.to_json()),
      R"({"model":"m","created_at":"t","message":{"role":"assistant","content":""},"done_reason":"load","done":true})");
  ProgressResponse p = ProgressResponse::of("success");
  EXPECT_EQ(go_json(p.to_json()), R"({"status":"success"})");
}

TEST(Host, ParsesOllamaHost) {
  HostAddress d = parse_ollama_host("");
  EXPECT_EQ(d.url(), "http://127.0.0.1:11434");
  EXPECT_EQ(parse_ollama_host("0.0.0.0").listen_display(), "[::]:11434");
  EXPECT_EQ(parse_ollama_host("0.0.0.0:8080").url(), "http://127.0.0.1:8080");
  EXPECT_EQ(parse_ollama_host(":9000").port, 9000);
  EXPECT_EQ(parse_ollama_host("example.com").url(), "http://example.com:11434");
  EXPECT_EQ(parse_ollama_host("https://example.com").url(), "https://example.com:443");
  EXPECT_EQ(parse_ollama_host("http://example.com/ollama").url(), "http://example.com:80/ollama");
  EXPECT_EQ(parse_ollama_host("\"10.0.0.5:1234\"").url(), "http://10.0.0.5:1234");
  EXPECT_EQ(parse_ollama_host("[::1]:5000").url(), "http://[::1]:5000");
  EXPECT_EQ(parse_ollama_host("host:99999").port, 11434);
  EXPECT_TRUE(parse_ollama_host("127.0.0.1").is_loopback());
  EXPECT_FALSE(parse_ollama_host("0.0.0.0").is_loopback());
}

TEST(Modelfile, ParsesInstructions) {
  auto commands = parse_modelfile(
      "# comment\nFROM ./model.gguf\nTEMPLATE \"\"\"{{ .System }}\n{{ .Prompt }}\"\"\"\n"
      "system \"You are \\\"nice\\\"\"\nPARAMETER stop <|im_end|>\nPARAMETER stop "
      "\"<|im_start|>\"\n"
      "PARAMETER temperature 0.7\nMESSAGE user hello there\nLICENSE MIT\n");
  ModelfileCreate c = modelfile_to_create(commands, "/nonexistent");
  EXPECT_EQ(c.request.from, "./model.gguf");
  EXPECT_EQ(*c.request.template_text, "{{ .System }}\n{{ .Prompt }}");
  EXPECT_EQ(*c.request.system, "You are \"nice\"");
  EXPECT_EQ(c.request.parameters["stop"], (Json{"<|im_end|>", "<|im_start|>"}));
  EXPECT_EQ(c.request.parameters["temperature"], 0.7);
  EXPECT_EQ((*c.request.messages)[0]["content"], "hello there");
  EXPECT_EQ(c.request.license, std::vector<std::string>{"MIT"});
}

TEST(Modelfile, FindsLocalFiles) {
  auto commands = parse_modelfile("FROM stories260K.gguf\n");
  ModelfileCreate c = modelfile_to_create(commands, std::string(SLIMLLM_DATA) + "/models");
  EXPECT_EQ(c.from_file, std::string(SLIMLLM_DATA) + "/models/stories260K.gguf");
  EXPECT_TRUE(c.request.from.empty());
}

TEST(Modelfile, RefusesOneOverTheSizeLimitNamingIt) {
  std::string text = "FROM x\nSYSTEM \"\"\"" + std::string(kMaxModelfileBytes, 'a') + "\"\"\"\n";
  try {
    parse_modelfile(text);
    FAIL() << "accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("over the limit of 16777216 bytes (16 MiB)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(parse_modelfile("FROM x\nSYSTEM \"\"\"" + std::string(1 << 20, 'a') + "\"\"\"\n"));
}

TEST(Modelfile, ReportsErrors) {
  auto error = [](const char* text) {
    try {
      parse_modelfile(text);
    } catch (const ApiError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("SYSTEM hi\n"), "no FROM line");
  EXPECT_EQ(error("FROM x\nBOGUS y\n"),
            "(line 2): command must be one of \"from\", \"license\", \"template\", \"system\", "
            "\"adapter\", \"renderer\", \"parser\", \"parameter\", or \"message\"");
  EXPECT_EQ(error("FROM x\nMESSAGE tool hi\n"),
            "message role must be one of \"system\", \"user\", or \"assistant\"");
  EXPECT_THROW(modelfile_to_create(parse_modelfile("FROM x\nPARAMETER bogus 1\n"), "/"), ApiError);
}

}  // namespace
}  // namespace slimllm::api

namespace slimllm::api {
namespace {

TEST(Types, BodiesNestedPastTheLimitAreRefusedBeforeParsing) {
  const std::string deep = R"({"model":"m","options":{"stop":)" + std::string(100000, '[') +
                           std::string(100000, ']') + "}}";
  EXPECT_EQ(body_error(deep),
            "invalid request body: JSON nested deeper than 1000 levels (the server's limit) at "
            "byte 1029");
  // Just inside the limit the body parses (and is then a type error, as Go's decoder says).
  const std::string inside =
      R"({"model":"m","format":)" + std::string(999, '[') + std::string(999, ']') + "}";
  EXPECT_NO_THROW(parse_body(inside));
}

}  // namespace
}  // namespace slimllm::api

#include "api/client.h"

namespace slimllm::api {
namespace {

TEST(Client, SendsTheApiKeyFromTheEnvironment) {
  unsetenv("SLIMLLM_API_KEY");
  unsetenv("OLLAMA_API_KEY");
  EXPECT_FALSE(api_key_from_env());
  EXPECT_EQ(client_headers("ua").count("Authorization"), 0u);
  setenv("OLLAMA_API_KEY", "ollama-key", 1);
  EXPECT_EQ(api_key_from_env(), "ollama-key");
  setenv("SLIMLLM_API_KEY", " slimllm-key ", 1);
  EXPECT_EQ(api_key_from_env(), "slimllm-key");
  const httplib::Headers headers = client_headers("ua");
  ASSERT_EQ(headers.count("Authorization"), 1u);
  EXPECT_EQ(headers.find("Authorization")->second, "Bearer slimllm-key");
  unsetenv("SLIMLLM_API_KEY");
  unsetenv("OLLAMA_API_KEY");
}

}  // namespace
}  // namespace slimllm::api
