"""Every route handler of the app, listed once; create_app() registers this list.

Each area adds its controller to the one tuple, so the app factory never grows.
"""

from server.http.routes.alarms import AlarmController, PushController
from server.http.routes.auth import AuthController
from server.http.routes.blobs import BlobController
from server.http.routes.console import AccountController, SupervisionController
from server.http.routes.complaints import CallBackController, ComplaintController, EscalationController
from server.http.routes.evidence import EvidenceController
from server.http.routes.health import HealthController
from litestar import Router

from server.http.deps import AUTHENTICATED
from server.http.routes.mutations import MutationController, mutation_operations
from server.http.routes.receipt_links import PublicReceiptController, ReceiptLinkController
from server.http.routes.reports import ReportController
from server.http.routes.shifts import ShiftController
from server.http.routes.sites import DeviceController, DirectoryController
from server.http.routes.sync import SyncController
from server.http.routes.targets import CompanyDayController, ServiceTargetController
from server.http.routes.uploads import UploadController
from server.http.routes.workorders import WorkOrderController

# The extension point `ROUTES` (server/extensions.py): every controller of the app, in one tuple.
ROUTES: tuple = (
    HealthController, AuthController, MutationController, WorkOrderController, DirectoryController, DeviceController, SyncController,
    # every mutator its own documented operation, at /api/v1/mutations/{name} beside the generic route for unknown names
    Router("/api/v1/mutations", route_handlers=mutation_operations(), dependencies=AUTHENTICATED, tags=["mutations"]),
    BlobController, UploadController, EvidenceController,  # evidence: blobs, tus uploads, receipt and verify
    ReceiptLinkController, PublicReceiptController,  # the customer's receipt link
    AlarmController, PushController,  # alarms: alarms, dead letters, live stream, Web Push subscriptions
    ReportController, CallBackController, ComplaintController, EscalationController,  # reports, call-backs, complaints, escalations
    ServiceTargetController, CompanyDayController,  # the company's rules: service targets, the company's own days (issue 12)
    ShiftController,  # the monitoring room: shifts with their handovers, the shift schedule
    SupervisionController, AccountController,  # the supervisor's and admin's consoles
)
