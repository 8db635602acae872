"""Pure-Python domain rules: value lists, validators, workflow, census rules, clock, i18n."""
