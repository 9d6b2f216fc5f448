/* medlake
description: >
  Templates for installing a task in a dataset schema. `task_macro` and
  `task_view` are placeholders that medlake.tasks replaces in the parsed tree
  (quoted through sqlglot); the macro's parameters and body come from the
  task file, its defaults from the task header.
*/
-- name: macro
CREATE OR REPLACE MACRO task_macro(p) AS TABLE SELECT 1;

-- name: view
CREATE OR REPLACE VIEW task_view AS SELECT * FROM task_macro();
