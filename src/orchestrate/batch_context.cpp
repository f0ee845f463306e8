#include "orchestrate/batch_context.hpp"

namespace pond::orchestrate {

materialize::BatchContext batch_context(StepContext& ctx) {
  materialize::BatchContext b;
  b.max_parallel = ctx.threads;
  b.database = ctx.database;
  b.cancelled = &ctx.cancelled;
  if (ctx.report_batch) {
    b.on_event = [&ctx](const materialize::BatchEvent& e) {
      BatchProgress p;
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
      ctx.report_batch(p);
    };
  }
  return b;
}

}  // namespace pond::orchestrate
