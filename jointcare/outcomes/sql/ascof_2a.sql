-- include: stmax_sequels
-- ASCOF 2A: new clients' reablement episodes ending in the year, by sequel.
SELECT la_code, person_id, cluster_start AS start_date, cluster_end AS end_date, sequel AS outcome, 'all' AS grp,
       CASE WHEN sequel IN ({no_ongoing_support}) THEN 1 ELSE 0 END AS in_numerator,
       CASE WHEN sequel IN ({no_ongoing_support}, {long_term_sequels}) THEN 1 ELSE 0 END AS in_denominator
FROM sequels
WHERE client = 'new'
