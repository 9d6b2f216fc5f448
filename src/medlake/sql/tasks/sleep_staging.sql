/* medlake
name: sleep_staging
description: >
  Which sleep stage is this 30 s epoch? One sample per scored epoch of a
  recording whose annotations hold sleep stages (the 'Sleep stage W/1/2/3/4/R'
  labels of Sleep-EDF hypnograms, loaded with `medlake load edf DIR --layout
  sleep-edf`). A stage annotation covering k x 30 s gives k epochs; epochs
  past the end of the signal, movement time and unscored ('?') epochs are
  dropped. The label codes are stable: W 0, N1 1, N2 2, N3 3, REM 4, and with
  classes = 6 (R&K) stage 4 keeps its own class N4 5; with classes = 5 (AASM,
  the default) stages 3 and 4 are both N3. The sample's visit is its
  recording; index_time is the epoch's end. The input `signal` names the
  window (path, onset_s, duration_s) that the models' stream reads from the
  file when a batch needs it.
datasets: [edf]
label:
  type: multiclass
  classes: [W, N1, N2, N3, REM, N4]
params:
  classes:
    type: integer
    default: 5
    choices: [5, 6]
    description: 5 merges R&K stages 3 and 4 into N3 (AASM); 6 keeps stage 4 apart (N4)
inputs:
  signal: signal
retrospective: false
*/
WITH stage_runs AS (
    SELECT
        a.recording_id,
        a.onset_s,
        a.duration_s,
        CASE a.label
            WHEN 'Sleep stage W' THEN 0
            WHEN 'Sleep stage 1' THEN 1
            WHEN 'Sleep stage 2' THEN 2
            WHEN 'Sleep stage 3' THEN 3
            WHEN 'Sleep stage 4' THEN CASE WHEN $classes = 6 THEN 5 ELSE 3 END
            WHEN 'Sleep stage R' THEN 4
        END AS label
    FROM recording_annotations AS a
    WHERE a.label IN ('Sleep stage W', 'Sleep stage 1', 'Sleep stage 2', 'Sleep stage 3', 'Sleep stage 4',
                      'Sleep stage R')
),
epochs AS (
    SELECT
        s.recording_id,
        CAST(s.onset_s + 30 * k.i AS DOUBLE) AS onset_s,
        s.label
    FROM stage_runs AS s,
        LATERAL (SELECT unnest(range(CAST(floor(s.duration_s / 30) AS BIGINT))) AS i) AS k
)
SELECT
    concat(r.recording_id, '-', CAST(round(e.onset_s / 30) AS BIGINT)) AS sample_id,
    r.subject_id,
    r.recording_id AS visit_id,
    r.start_time + to_microseconds(CAST(round((e.onset_s + 30) * 1e6) AS BIGINT)) AS index_time,
    CAST(e.label AS INTEGER) AS label,
    CASE e.label WHEN 0 THEN 'W' WHEN 1 THEN 'N1' WHEN 2 THEN 'N2' WHEN 3 THEN 'N3' WHEN 4 THEN 'REM' WHEN 5 THEN 'N4'
    END AS stage,
    r.recording_id,
    e.onset_s,
    30.0 AS duration_s,
    {'path': r.path, 'onset_s': e.onset_s, 'duration_s': CAST(30 AS DOUBLE)} AS signal
FROM epochs AS e
JOIN recordings AS r ON r.recording_id = e.recording_id
WHERE e.onset_s >= 0 AND e.onset_s + 30 <= r.duration_s
ORDER BY r.subject_id, index_time, r.recording_id
