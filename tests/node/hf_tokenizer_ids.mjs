// Loads an exported folder's tokenizer.json and tokenizer_config.json with HF's JavaScript
// tokenizers (@huggingface/tokenizers, an implementation of the tokenizer.json format that is not
// ours) and prints, for each line of a UTF-8 text file, the ids it encodes the line to with the
// special tokens ([CLS] ... [SEP]), space-separated, one line per input line.
//   node hf_tokenizer_ids.mjs FOLDER TEXT_FILE
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const [folder, textFile] = process.argv.slice(2);
if (!folder || !textFile) {
  console.error("usage: node hf_tokenizer_ids.mjs FOLDER TEXT_FILE");
  process.exit(2);
}
const readJson = (name) => JSON.parse(readFileSync(join(folder, name), "utf8"));
const tokenizer = new Tokenizer(readJson("tokenizer.json"), readJson("tokenizer_config.json"));
const lines = readFileSync(textFile, "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();
const out = lines.map((line) => tokenizer.encode(line).ids.join(" "));
process.stdout.write(out.join("\n") + "\n");
