"""Small sqlglot tree edits shared by the point-in-time join and materialization."""

from __future__ import annotations

from sqlglot import exp


def replace_tables(tree: exp.Expression, mapping: dict[str, exp.Expression]) -> exp.Expression:
    """Replace unqualified placeholder tables by name (keeping their aliases)."""
    tree = tree.copy()
    for table in list(tree.find_all(exp.Table)):
        if table.name in mapping and not table.db:
            new = mapping[table.name].copy()
            alias = table.args.get("alias")
            if alias is not None and isinstance(new, (exp.Table, exp.Subquery)):
                new.set("alias", alias.copy())
            table.replace(new)
    return tree


def replace_columns(tree: exp.Expression, mapping: dict[str, str]) -> exp.Expression:
    """Rename placeholder columns and aliases, keeping table qualifiers (the new names are quoted)."""
    def rename(node):
        if isinstance(node, exp.Column) and node.name in mapping:
            return exp.column(mapping[node.name], table=node.table or None, quoted=True)
        if isinstance(node, exp.Alias) and node.alias in mapping:
            node.set("alias", exp.to_identifier(mapping[node.alias], quoted=True))
        return node

    return tree.transform(rename)


def fs_table(name: str) -> exp.Table:
    """A quoted table of schema fs."""
    return exp.table_(name, db="fs", quoted=True)
