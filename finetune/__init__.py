"""Training on reviewed data: export, LoRA fine-tuning, evaluation."""
