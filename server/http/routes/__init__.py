"""Every route handler of the app, listed once; create_app() registers this list.

Each area adds its controller here (one line), so the app factory never grows.
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

ROUTES: list = [HealthController, AuthController, MutationController, WorkOrderController, DirectoryController, DeviceController, SyncController]
# every mutator its own documented operation, at /api/v1/mutations/{name} beside the generic route for unknown names
ROUTES += [Router("/api/v1/mutations", route_handlers=mutation_operations(), dependencies=AUTHENTICATED, tags=["mutations"])]
ROUTES += [BlobController, UploadController, EvidenceController]  # evidence: blobs, tus uploads, receipt and verify
ROUTES += [ReceiptLinkController, PublicReceiptController]  # the customer's receipt link
ROUTES += [AlarmController, PushController]  # alarms: alarms, dead letters, live stream, Web Push subscriptions
ROUTES += [ReportController, CallBackController, ComplaintController, EscalationController]  # reports, call-backs, complaints, escalations
ROUTES += [ServiceTargetController, CompanyDayController]  # the company's rules: service targets, the company's own days (issue 12)
ROUTES += [ShiftController]  # the monitoring room: shifts with their handovers, the shift schedule
ROUTES += [SupervisionController, AccountController]  # the supervisor's and admin's consoles
