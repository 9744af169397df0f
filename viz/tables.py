"""A sortable table whose numbers are shown for people (thousands separators, fixed decimals) but sorted as
numbers: Vuetify's data table with one cell template per numeric column, formatted in the browser."""

from __future__ import annotations

import ipyvuetify as v
import traitlets

TEMPLATE = """
<template>
  <v-data-table :headers="headers" :items="items" :item-key="item_key" :sort-by="sort_by" :sort-desc="true"
                :items-per-page="per_page" dense :class="table_class" :footer-props="{'items-per-page-options': [10, 25, 100]}">
    <template v-for="(digits, column) in decimals" v-slot:[`item.${column}`]="{ item }">
      <span :key="column" style="font-variant-numeric: tabular-nums">{{ show(item[column], digits) }}</span>
    </template>
  </v-data-table>
</template>
<script>
module.exports = {
  methods: {
    show(value, digits) {
      if (value === null || value === undefined || Number.isNaN(value)) { return "–"; }
      return Number(value).toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    }
  }
}
</script>
"""


class NumberTable(v.VuetifyTemplate):
    """`headers` as Vuetify's ({"text", "value"}), `items` as rows, `decimals` {numeric column: digits shown}."""
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    headers = traitlets.List().tag(sync=True)
    items = traitlets.List().tag(sync=True)
    decimals = traitlets.Dict().tag(sync=True)
    item_key = traitlets.Unicode("id").tag(sync=True)
    sort_by = traitlets.Unicode("").tag(sync=True)
    per_page = traitlets.Int(10).tag(sync=True)
    table_class = traitlets.Unicode("").tag(sync=True)
