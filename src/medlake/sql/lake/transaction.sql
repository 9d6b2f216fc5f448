/* medlake
description: Transaction control used by Lake.transaction().
*/
-- name: begin
BEGIN TRANSACTION;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;
