"""Crawlers and connectors that publish crawl pages on the raw topic, and the simulator."""
