-- Reablement episodes ending in the period with their sequel, found in DHSC's order (ASCOF 2A, 2024-25 onwards).
episodes AS (
  SELECT c.*, p.birth_date, p.death_date,
         CASE WHEN p.birth_date IS NULL THEN 'Unknown'
              WHEN FLOOR(DATE_DIFF('day', p.birth_date, c.cluster_end) / 365.25) >= 65 THEN '65 and above'
              ELSE '18 to 64' END AS age_band
  FROM stmax_clusters c
  LEFT JOIN people p ON p.la_code = c.la_code AND p.person_id = c.person_id
  WHERE c.cluster_end BETWEEN DATE '{start}' AND DATE '{end}'
    AND (p.birth_date IS NULL OR FLOOR(DATE_DIFF('day', p.birth_date, c.cluster_end) / 365.25) >= 18)
    AND (p.death_date IS NULL OR p.death_date >= c.cluster_start)
),
existing_client AS (
  SELECT DISTINCT e.la_code, e.person_id, e.cluster_no
  FROM episodes e JOIN lts s ON s.la_code = e.la_code AND s.person_id = e.person_id
  WHERE s.start_date < e.cluster_start AND DATE_DIFF('day', s.end_date, e.cluster_start) < 91
),
episode_events AS (
  -- the events the sequel steps read, in one pass over the events: those starting during the episode and ending
  -- in it after its start, or ending after it and starting within 7 days of its end
  SELECT e.la_code, e.person_id, e.cluster_no, e.cluster_end, v.event_type, v.service_type, v.service_component,
         v.event_outcome, v.outcome_rank, v.start_date, v.end_date
  FROM episodes e
  JOIN ev v ON v.la_code = e.la_code AND v.person_id = e.person_id
  WHERE v.start_date >= e.cluster_start AND v.end_date > e.cluster_start
    AND (v.end_date <= e.cluster_end OR DATE_DIFF('day', e.cluster_end, v.start_date) <= 7)
),
after_events AS (
  -- events starting during the episode and ending after it, or starting within 7 days of its end
  SELECT a.la_code, a.person_id, a.cluster_no, a.event_type, a.service_type, a.service_component,
         a.event_outcome, a.outcome_rank, COALESCE(r.service_rank, 99) AS service_rank
  FROM episode_events a
  LEFT JOIN service_rank r ON r.service = a.service_type
  WHERE a.end_date > a.cluster_end
    AND NOT (a.event_type = 'Service' AND a.service_type = 'Short term support: ST-Max')
),
nested_events AS (
  SELECT la_code, person_id, cluster_no, cluster_end, event_type, service_component, event_outcome, outcome_rank,
         end_date
  FROM episode_events
  WHERE end_date <= cluster_end
),
step3 AS (
  SELECT la_code, person_id, cluster_no,
         CASE WHEN service_type = 'Short term support: Other short term'
                   AND service_component IN ('Short term residential care', 'Short term nursing care')
              THEN 'Short term support: Residential or Nursing care' ELSE service_type END AS sequel
  FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY la_code, person_id, cluster_no
          ORDER BY service_rank,
                   CASE WHEN service_component IN ('Short term residential care', 'Short term nursing care') THEN 1 ELSE 2 END,
                   service_component) AS rn
        FROM after_events WHERE event_type = 'Service' AND service_rank < 99) x
  WHERE rn = 1
),
step4_candidates AS (
  -- a) the episode's own usable outcome when nothing follows it
  SELECT e.la_code, e.person_id, e.cluster_no, e.cluster_rank AS outcome_rank, 1 AS source
  FROM episodes e
  WHERE e.cluster_rank < 100
    AND NOT EXISTS (SELECT 1 FROM after_events a WHERE a.la_code = e.la_code AND a.person_id = e.person_id
                    AND a.cluster_no = e.cluster_no)
  UNION ALL
  -- a) and b) with non-service events following it
  SELECT e.la_code, e.person_id, e.cluster_no, e.cluster_rank, 1
  FROM episodes e JOIN after_events a ON a.la_code = e.la_code AND a.person_id = e.person_id AND a.cluster_no = e.cluster_no
  WHERE a.event_type <> 'Service' AND a.event_outcome <> 'NFA: Support ended as planned'
    AND (e.cluster_rank < 100 OR a.outcome_rank < 100)
  UNION ALL
  SELECT a.la_code, a.person_id, a.cluster_no, a.outcome_rank, 2
  FROM after_events a
  WHERE a.event_type <> 'Service' AND a.event_outcome <> 'NFA: Support ended as planned' AND a.outcome_rank < 100
  UNION ALL
  -- c) the latest assessment or review ending in the episode's last 14 days
  SELECT la_code, person_id, cluster_no, outcome_rank, 3
  FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY la_code, person_id, cluster_no
                                     ORDER BY end_date DESC, outcome_rank, event_outcome) AS rn
        FROM nested_events
        WHERE event_type IN ('Assessment', 'Review') AND DATE_DIFF('day', end_date, cluster_end) < 14
          AND outcome_rank < 100) x
  WHERE rn = 1
),
step4 AS (
  SELECT c.la_code, c.person_id, c.cluster_no, r.outcome AS sequel
  FROM (SELECT la_code, person_id, cluster_no, MIN(outcome_rank) AS best FROM step4_candidates
        GROUP BY la_code, person_id, cluster_no) c
  JOIN outcome_rank r ON r.outcome_rank = c.best
),
step5 AS (
  SELECT DISTINCT la_code, person_id, cluster_no, 'Short term support: Ongoing low level' AS sequel
  FROM nested_events WHERE event_type = 'Service' AND service_component = 'Equipment'
),
sequels AS (
  SELECT e.la_code, e.person_id, e.cluster_no, e.cluster_start, e.cluster_end, e.age_band,
         CASE WHEN x.cluster_no IS NULL THEN 'new' ELSE 'existing' END AS client,
         CASE WHEN e.death_date IS NOT NULL AND DATE_DIFF('day', e.cluster_end, e.death_date) <= 7 THEN 'NFA: Deceased'
              WHEN e.cluster_outcome = 'Admitted to hospital' THEN 'Admitted to hospital'
              ELSE COALESCE(s3.sequel, s4.sequel, s5.sequel, e.cluster_outcome) END AS sequel
  FROM episodes e
  LEFT JOIN existing_client x ON x.la_code = e.la_code AND x.person_id = e.person_id AND x.cluster_no = e.cluster_no
  LEFT JOIN step3 s3 ON s3.la_code = e.la_code AND s3.person_id = e.person_id AND s3.cluster_no = e.cluster_no
  LEFT JOIN step4 s4 ON s4.la_code = e.la_code AND s4.person_id = e.person_id AND s4.cluster_no = e.cluster_no
  LEFT JOIN step5 s5 ON s5.la_code = e.la_code AND s5.person_id = e.person_id AND s5.cluster_no = e.cluster_no
)
