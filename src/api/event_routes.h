// /api/events… (http-api.md §4): finished events from the database, events in progress
// from the event store.
#pragma once

namespace httplib {
class Server;
}

namespace vigil {

class ConnectionServer;

struct Config;
class EventDb;
class EventStore;

void add_event_routes(ConnectionServer& svr, const Config& cfg, EventDb& db, EventStore& store);

}  // namespace vigil
