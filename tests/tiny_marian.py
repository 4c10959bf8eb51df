"""A tiny MarianMT model with random weights and a tokenizer trained on the fly, saved as a
normal model folder: it loads and generates through the same transformers code as
Helsinki-NLP/opus-mt-*, offline, in about a second."""

from pathlib import Path

from tiny_models import toy_texts


def build_tiny_marian(folder: Path, seed: int = 0) -> Path:
    import torch
    from tokenizers import SentencePieceUnigramTokenizer
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    specials = ["<pad>", "</s>", "<unk>"]  # Marian's ids: pad 0... here pad=0, eos=1, unk=2
    sp = SentencePieceUnigramTokenizer()
    sp.train_from_iterator(toy_texts(), vocab_size=300, special_tokens=specials, unk_token="<unk>", show_progress=False)
    from tokenizers.processors import TemplateProcessing

    sp.post_processor = TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=sp._tokenizer, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>")
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    vocab = len(tokenizer)
    config = MarianConfig(vocab_size=vocab, d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                          decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                          pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, forced_eos_token_id=1,
                          decoder_vocab_size=vocab)
    MarianMTModel(config).save_pretrained(folder)
    return folder
