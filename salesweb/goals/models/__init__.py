"""The goals area's tables: targets with their versions, forecast submissions."""
