#include "server/http_api.h"

#include "server/handler_context.h"

namespace furl::server {

HttpApi::HttpApi(query::QueryEngine& engine, HttpApiOptions options, const std::atomic<bool>* cancelled)
    : engine_(engine), options_(std::move(options)), cancelled_(cancelled) {}

HttpResponse HttpApi::handle(HttpRequest& request) {
  HandlerContext context{engine_, options_, cancelled_};
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/druid/v2/sql" || path == "/druid/v2/sql/") {
    if (auto rejected = rejectUnauthenticatedJson(options_.credentials, request)) return std::move(*rejected);
    return handleDruidSql(context, request);
  }
  return handleClickHouse(context, request);
}

}  // namespace furl::server
