"""Thin ROS 2 adapters over the ledger library."""
