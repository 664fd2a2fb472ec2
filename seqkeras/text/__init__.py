"""Text preprocessing shared by training input pipelines and exported graphs."""
