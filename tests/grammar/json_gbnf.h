// A JSON grammar in GBNF for the grammar tests and benchmark: any JSON value, whitespace bounded
// so a model cannot pad forever.
#pragma once

namespace slimllm::grammar {

inline constexpr const char* kJsonGbnf = R"GBNF(
# Any JSON value.
root   ::= ws value ws
value  ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( ws "," ws member )* ws )? "}"
member ::= string ws ":" ws value
array  ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
string ::= "\"" char* "\""
char   ::= [^"\\\x00-\x1F] | "\\" escape
escape ::= ["\\/bfnrt] | "u" [0-9a-fA-F]{4}
number ::= "-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
ws     ::= | " " | "\n" [ \t]{0,20}
)GBNF";

}  // namespace slimllm::grammar
