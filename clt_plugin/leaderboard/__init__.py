"""Leaderboard submissions (`clt submit`) and the rendered board (`clt leaderboard`)."""
