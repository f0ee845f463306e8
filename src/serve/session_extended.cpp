// The extended-query messages of a Session: Parse, Bind, Describe, Execute, Close and Sync
// (session.cpp has startup, authentication, preparing and running statements).
#include <fmt/format.h>

#include "serve/pg_binary.hpp"
#include "serve/pg_types.hpp"
#include "serve/session.hpp"
#include "serve/sql_error.hpp"

namespace pond::serve {

void Session::parse(const Parse& p) {
  try {
    if (!p.statement.empty() && statements_.count(p.statement))
      throw SqlError("42P05", fmt::format("prepared statement \"{}\" already exists", p.statement));
    auto s = prepare(p.sql, p.parameter_types);
    if (p.parameter_types.size() > s->parameter_oids.size())
      throw SqlError(
          "08P01", fmt::format("Parse message names {} parameter types, but the statement has {} parameters",
                               p.parameter_types.size(), s->parameter_oids.size()));
    for (std::size_t i = 0; i < p.parameter_types.size(); ++i)
      if (p.parameter_types[i] != 0) s->parameter_oids[i] = p.parameter_types[i];
    statements_[p.statement] = std::move(s);
    out_.parse_complete();
  } catch (const std::exception& e) {
    send_error(e);
    skip_to_sync_ = true;
  }
}

void Session::bind(const Bind& b) {
  try {
    auto it = statements_.find(b.statement);
    if (it == statements_.end())
      throw SqlError("26000", fmt::format("prepared statement \"{}\" does not exist", b.statement));
    const Statement& s = *it->second;
    if (b.parameters.size() != s.parameter_oids.size())
      throw SqlError(
          "08P01",
          fmt::format("bind message supplies {} parameters, but prepared statement \"{}\" requires {}",
                      b.parameters.size(), b.statement, s.parameter_oids.size()));
    if (b.parameter_formats.size() > 1 && b.parameter_formats.size() != b.parameters.size())
      throw SqlError("08P01", fmt::format("bind message has {} parameter formats but {} parameters",
                                          b.parameter_formats.size(), b.parameters.size()));
    std::vector<std::int16_t> formats;
    if (b.result_formats.size() > 1 && b.result_formats.size() != s.fields.size() && !s.copy)
      throw SqlError("08P01", fmt::format("bind message has {} result formats but query has {} columns",
                                          b.result_formats.size(), s.fields.size()));
    for (std::size_t c = 0; c < s.fields.size() && !b.result_formats.empty() && !s.copy; ++c) {
      std::int16_t f = b.result_formats.size() == 1 ? b.result_formats[0] : b.result_formats[c];
      if (f != 0 && f != 1) throw SqlError("08P01", fmt::format("unsupported format code: {}", f));
      if (f == 1 && !binary_result_supported(s.fields[c].type_oid))
        throw SqlError("0A000",
                       fmt::format("binary-format results of type {} (column \"{}\") are not supported "
                                   "by pond serve yet; ask for text",
                                   s.fields[c].type_oid, s.fields[c].name));
      formats.push_back(f);
    }
    if (!b.portal.empty() && portals_.count(b.portal))
      throw SqlError("42P03", fmt::format("portal \"{}\" already exists", b.portal));
    Portal portal;
    portal.statement = it->second;
    portal.parameters = b.parameters;
    portal.formats = std::move(formats);
    for (std::size_t i = 0; i < portal.parameters.size(); ++i) {
      std::int16_t format = b.parameter_formats.empty()       ? 0
                            : b.parameter_formats.size() == 1 ? b.parameter_formats[0]
                                                              : b.parameter_formats[i];
      if (format == 1 && portal.parameters[i])
        portal.parameters[i] = binary_parameter_text(s.parameter_oids[i], *portal.parameters[i]);
    }
    portals_.insert_or_assign(b.portal, std::move(portal));
    out_.bind_complete();
  } catch (const std::exception& e) {
    send_error(e);
    skip_to_sync_ = true;
  }
}

void Session::describe(const Describe& d) {
  try {
    const Statement* s = nullptr;
    const std::vector<std::int16_t>* formats = nullptr;
    if (d.kind == 'S') {
      auto it = statements_.find(d.name);
      if (it == statements_.end())
        throw SqlError("26000", fmt::format("prepared statement \"{}\" does not exist", d.name));
      s = it->second.get();
      out_.parameter_description(s->parameter_oids);
    } else {
      auto it = portals_.find(d.name);
      if (it == portals_.end()) throw SqlError("34000", fmt::format("portal \"{}\" does not exist", d.name));
      s = it->second.statement.get();
      formats = &it->second.formats;
    }
    if (s->fields.empty() || s->copy) {
      out_.no_data();
    } else if (formats && !formats->empty()) {
      std::vector<FieldDescription> fields = s->fields;
      for (std::size_t c = 0; c < fields.size(); ++c) fields[c].format = (*formats)[c];
      out_.row_description(fields);
    } else {
      out_.row_description(s->fields);
    }
  } catch (const std::exception& e) {
    send_error(e);
    skip_to_sync_ = true;
  }
}

void Session::execute(const Execute& e) {
  try {
    auto it = portals_.find(e.portal);
    if (it == portals_.end()) throw SqlError("34000", fmt::format("portal \"{}\" does not exist", e.portal));
    run_portal(it->second, e.max_rows);
  } catch (const std::exception& ex) {
    send_error(ex);
    skip_to_sync_ = true;
  }
}

void Session::close(const Close& c) {
  if (c.kind == 'S') {
    statements_.erase(c.name);
  } else {
    portals_.erase(c.name);
  }
  out_.close_complete();
}

void Session::sync() {
  skip_to_sync_ = false;
  portals_.erase("");  // the unnamed portal ends with the implicit transaction
  out_.ready_for_query(transaction_status());
}

}  // namespace pond::serve
