#include "dbt/batch_context.hpp"

namespace pond::dbt {

materialize::BatchContext batch_context(exec::StepContext& ctx) {
  materialize::BatchContext b;
  b.max_parallel = ctx.threads();
  b.database = ctx.database();
  b.cancelled = &ctx.cancelled();
  if (ctx.report_part) {
    b.on_event = [&ctx](const materialize::BatchEvent& e) {
      exec::PartProgress p;
      p.index = static_cast<int>(e.index);
      p.total = static_cast<int>(e.total);
      p.label = e.label;
      p.start = e.window->start;
      p.end = e.window->end;
      if (e.result) {
        p.finished = true;
        p.ok = e.result->ok;
        p.rows = e.result->rows;
        p.message = e.result->message;
        p.seconds = e.seconds;
      }
      ctx.report_part(p);
    };
  }
  return b;
}

}  // namespace pond::dbt
