"""Tiny real transformers models, built offline in well under a second: random weights and a
tokenizer trained on the fly, saved as a normal model folder."""

from pathlib import Path

from clirbench.data.toy import FILES as TOY_DIR


def toy_texts() -> list[str]:
    texts = []
    for path in sorted(TOY_DIR.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.append(line.split("\t", 1)[-1])
    return texts


def build_tiny_xlmr(folder: Path, seed: int = 0, vocab_size: int = 400, max_tokens: int = 128) -> Path:
    """`max_tokens`: the longest input (its position embeddings, 2 more: XLM-R numbers positions
    from pad_token_id + 1). The encoder and the trainers cut texts there. Its toy-trained
    vocabulary cuts other text into many pieces (MLQA-R's German sentences: 87 tokens on average
    at 128): a test that encodes a real collection, where no assertion depends on the length, is
    cheaper at 32 (the hybrid-batches smoke run: 20 s of CPU at 128, 14 s at 32)."""
    import torch
    from tokenizers import SentencePieceUnigramTokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # XLM-R's ids 0..4
    sp = SentencePieceUnigramTokenizer()
    sp.train_from_iterator(toy_texts(), vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>", show_progress=False)
    sp.post_processor = TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                           special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = XLMRobertaTokenizerFast(tokenizer_object=sp._tokenizer, bos_token="<s>", eos_token="</s>",
                                        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                                        cls_token="<s>", sep_token="</s>")
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=128, max_position_embeddings=max_tokens + 2,
                              pad_token_id=1)
    XLMRobertaModel(config, add_pooling_layer=False).save_pretrained(folder)
    return folder


def distil_briefly(distiller, train, recipe, steps: int = 30) -> list[float]:
    """`steps` AdamW steps of a Distiller's student on `train`; its losses. Asserts that the
    teacher did not move."""
    import torch

    from clirbench.train.optical import _batch

    before = {k: v.clone() for k, v in distiller.teacher.state_dict().items()}
    optimizer = torch.optim.AdamW(distiller.student.parameters(), lr=recipe.lr)
    losses = []
    for step in range(steps):
        loss = distiller.loss(_batch(train, step, recipe.batch_size, 0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(torch.equal(before[k], v) for k, v in distiller.teacher.state_dict().items())
    return losses
