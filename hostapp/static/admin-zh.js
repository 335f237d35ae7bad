// Chinese texts for the admin's JavaScript widgets, which gettext cannot reach: the select2 (3.x)
// search boxes and the date pickers (daterangepicker reads month and weekday names from moment).
// Loaded after the widgets' libraries and before Flask-Admin's form.js turns fields into widgets.
(function () {
  "use strict";
  if (window.jQuery && jQuery.fn.select2) {
    jQuery.extend(jQuery.fn.select2.defaults, {
      formatNoMatches: function () { return "没有找到匹配项"; },
      formatInputTooShort: function (input, min) {
        return "请再输入 " + (min - input.length) + " 个字";
      },
      formatInputTooLong: function (input, max) {
        return "请删掉 " + (input.length - max) + " 个字";
      },
      formatSelectionTooBig: function (limit) { return "最多只能选择 " + limit + " 项"; },
      formatLoadMore: function () { return "正在加载更多结果…"; },
      formatSearching: function () { return "正在搜索…"; }
    });
  }
  if (window.moment) {
    var months = [];
    for (var m = 1; m <= 12; m++) { months.push(m + "月"); }
    moment.locale("zh-cn", {
      months: months,
      monthsShort: months,
      weekdays: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      weekdaysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      weekdaysMin: ["日", "一", "二", "三", "四", "五", "六"],
      week: { dow: 1, doy: 4 }
    });
  }
})();
