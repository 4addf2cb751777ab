"""sensitivity: evasion-proof, explainable compliance scanning (Hyperscan)."""
