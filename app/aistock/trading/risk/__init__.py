"""The risk layer in the trading path: trading state, kill-switch, pre-trade risk engine."""
