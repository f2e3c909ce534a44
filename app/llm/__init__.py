"""The optional LLM answerer: fluent answers from a LangChain chat model, verified sentence by sentence
against the evidence before anything is shown.

* `app.llm.backends`: `AICITIES_LLM` parsed (`openai:<model>`, `ollama:<model>`), the LangChain chat model
  built for it, API keys, and the chat model's retries, deadline and cooldown after an unreachable server.
* `app.llm.verifier`: the model's output split into claims, and the `Verifier` that checks each claim's
  numbers, names, rank claims and words against the passages it cites.
* `app.llm.answerer`: `VerifiedLLMAnswerer` (extractive first, then the model, then verification; streaming
  and follow-up condensing) and `build_llm_answerer`.

Tests pass their own chat model (for instance a LangChain fake) through `Chatbot(chat_model=...)`;
`Settings.llm` then only names it (e.g. "openai:fake").
"""

from app.llm.answerer import VerifiedLLMAnswerer, build_llm_answerer
from app.llm.backends import build_chat_model, parse_llm_spec
from app.llm.verifier import Verifier

__all__ = ["VerifiedLLMAnswerer", "Verifier", "build_chat_model", "build_llm_answerer", "parse_llm_spec"]
