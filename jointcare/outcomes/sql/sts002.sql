-- include: stmax_sequels
-- SALT STS002a (new clients) and STS002b (existing clients): reablement episodes ending in the year, by sequel.
SELECT la_code, person_id, cluster_start AS start_date, cluster_end AS end_date, sequel AS outcome, client AS grp,
       CASE WHEN sequel IN ({no_ongoing_support}) THEN 1 ELSE 0 END AS in_numerator,
       1 AS in_denominator
FROM sequels
