"""The leaderboard's logic: collecting results files, score tables, significance against a
baseline, exports. Shared by `clirbench leaderboard` and the Streamlit app; it reads results,
never plugin code."""
