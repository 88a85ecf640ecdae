"""Reads: named by what they return; they never write."""
