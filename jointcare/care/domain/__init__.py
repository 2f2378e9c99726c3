"""Integrated care's pure rules, one module per concept. No Django import anywhere below.

- `vocabulary`: the CLD defined values this context records (route of access, event outcomes, review reasons).
- `referrals`: a referral's statuses and the transition table every change goes through; times to first
  contact and first service.
- `routing`: which team receives a referral, from the partnership's routing rules.
- `eligibility`: Care Act 2014 eligibility for adults and for carers, explained line by line.
- `chc`: the NHS Continuing Healthcare Checklist and the funding route it leads to.
- `coordination`: tasks and reviews, scheduled, due and overdue.
"""
