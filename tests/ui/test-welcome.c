/* test-welcome.c — the first-run welcome: shown once, the nick rule, folders shared at once,
 * the choices reaching the client, and remembered across starts
 *
 * Copyright 2026 The Burrow authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "test-welcome"

#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "burrow-application.h"
#include "burrow-nick.h"
#include "burrow-test-ui.h"
#include "burrow-test-util.h"
#include "burrow-welcome-dialog.h"
#include "burrow-window-private.h"

#include "burrow-window.h"

#define WAIT_MS (30 * 1000)
#define SUBPROCESS_US (120 * G_USEC_PER_SEC)

#define CHOSEN_NICK        "Dachs_42"
#define CHOSEN_DESCRIPTION "Maps and field recordings"

static BurrowApplication *app;
static char *data_dir;
static gboolean second_start;   /* this process is a later start on the same data directory */

/* What the Done case chose, for the start after it. */
static guint16 chosen_port;

static BurrowClient *
get_client (void)
{
  return burrow_application_get_client (app);
}

static BurrowWelcomeDialog *
find_welcome (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_WELCOME_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return BURROW_WELCOME_DIALOG (window);
    }
  return NULL;
}

static guint
count_welcomes (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (BURROW_IS_WELCOME_DIALOG (window))
        n++;
    }
  return n;
}

static gboolean
welcome_gone (gpointer data)
{
  return find_welcome () == NULL;
}

static gpointer
child (BurrowWelcomeDialog *dialog,
       const char          *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (dialog),
                                                   BURROW_TYPE_WELCOME_DIALOG, name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
hash_progress_shown (gpointer dialog)
{
  return gtk_revealer_get_reveal_child (child (dialog, "hash_revealer"));
}

static gboolean
is_close_button (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "window.close") == 0;
}

/* Skip: the header bar's button that closes the dialog. */
static GtkWidget *
find_skip_button (BurrowWelcomeDialog *dialog)
{
  GtkWidget *button = burrow_test_ui_find (gtk_window_get_titlebar (GTK_WINDOW (dialog)),
                                           is_close_button, NULL);

  g_assert_nonnull (button);
  return button;
}

/* The label whose mnemonic activates @widget. */
static GtkLabel *
mnemonic_label (gpointer widget)
{
  GList *labels = gtk_widget_list_mnemonic_labels (GTK_WIDGET (widget));
  GtkLabel *label;

  g_assert_nonnull (labels);
  label = GTK_LABEL (labels->data);
  g_list_free (labels);
  return label;
}

static BurrowWelcomeDialog *
wait_welcome (void)
{
  BurrowWelcomeDialog *dialog = find_welcome ();

  g_assert_nonnull (dialog);
  g_assert_true (burrow_test_ui_wait_mapped (GTK_WIDGET (dialog)));
  return dialog;
}

static void
set_nick (BurrowWelcomeDialog *dialog,
          const char          *nick)
{
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "nick_entry")), nick);
}

/* Enter in @entry, as the keyboard does it: Return is bound to its text widget's "activate"
 * signal. */
static void
press_enter (gpointer entry)
{
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (entry)), "activate");
  burrow_test_ui_flush ();
}

/* A drop of @file on @target, as GTK delivers it: a file list. */
static gboolean
drop_files (GtkDropTarget *target,
            GFile         *file)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GSList *files = g_slist_prepend (NULL, file);
  gboolean dropped = FALSE;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_slist_free (files);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  burrow_test_ui_flush ();
  return dropped;
}

static guint16
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

/* Runs this test again in a new process: a second start of Burrow on the same data directory
 * (BURROW_DATA_DIR is inherited), which must not show the welcome. */
static void
assert_second_start_passes (void)
{
  g_test_trap_subprocess (NULL, SUBPROCESS_US, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The second start: the main window, and no welcome. */
static void
check_second_start (void)
{
  BurrowWindow *window = burrow_test_ui_get_window (G_APPLICATION (app));

  burrow_test_ui_flush ();
  g_assert_true (burrow_client_get_welcome_done (get_client ()));
  g_assert_null (find_welcome ());
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
}

/* ---------------------------------------------------------------------------------------------- */

static void
test_first_run (void)
{
  BurrowWelcomeDialog *dialog;
  GtkEntry *nick_entry;
  GtkWidget *focus;
  const char *placeholder;

  if (second_start)
    return;

  /* A fresh data directory: the window, and the welcome over it. */
  g_assert_false (burrow_client_get_welcome_done (get_client ()));
  dialog = wait_welcome ();
  g_assert_true (BURROW_IS_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog))));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));

  /* Keyboard first: focus in the nick, Done is the default button (insensitive while the nick
   * is empty), and no login name is proposed. */
  nick_entry = child (dialog, "nick_entry");
  focus = gtk_window_get_focus (GTK_WINDOW (dialog));
  g_assert_nonnull (focus);
  g_assert_true (focus == GTK_WIDGET (nick_entry) ||
                 gtk_widget_is_ancestor (focus, GTK_WIDGET (nick_entry)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (nick_entry)), ==, "");
  placeholder = gtk_entry_get_placeholder_text (nick_entry);
  g_assert_null (strstr (placeholder, "root"));
  g_assert_null (strstr (placeholder, g_get_user_name ()));
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (dialog)) ==
                 GTK_WIDGET (child (dialog, "done_button")));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "done_button")));
  /* An untouched entry is no mistake yet. */
  g_assert_false (gtk_widget_get_visible (child (dialog, "nick_error_label")));

  /* Automatic first and chosen; the port field only matters for Active. */
  g_assert_true (gtk_check_button_get_active (child (dialog, "automatic_check")));
  g_assert_false (gtk_check_button_get_active (child (dialog, "passive_check")));
  g_assert_false (gtk_check_button_get_active (child (dialog, "active_check")));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "port_spin")));
  /* listed first, under the section's heading */
  g_assert_true (GTK_IS_LABEL (gtk_widget_get_prev_sibling (child (dialog, "automatic_check"))));
  g_assert_true (gtk_widget_get_next_sibling (child (dialog, "automatic_check")) ==
                 child (dialog, "passive_check"));

  /* The download folder in use is shown. */
  {
    const char *download_dir = burrow_client_get_download_dir (get_client ());
    g_autofree char *display = g_filename_display_name (download_dir);

    g_assert_cmpstr (gtk_label_get_text (child (dialog, "download_dir_label")), ==, display);
  }

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "welcome"));

  if (burrow_test_ui_expect_german ())
    {
      g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Willkommen bei Burrow");
      g_assert_cmpstr (gtk_button_get_label (child (dialog, "done_button")), ==, "_Fertig");
      g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (find_skip_button (dialog))), ==,
                       "Ü_berspringen");
      g_assert_cmpstr (gtk_label_get_label (mnemonic_label (nick_entry)), ==, "_Nick");
    }
  else
    {
      g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Welcome to Burrow");
    }
}

static void
test_invalid_nick (void)
{
  static const char * const invalid[] = { "two words", "pipe|nick", "<angle>", "dollar$" };
  BurrowWelcomeDialog *dialog;
  GtkWidget *done_button;
  GtkLabel *error_label;

  if (second_start)
    return;

  dialog = wait_welcome ();
  done_button = child (dialog, "done_button");
  error_label = child (dialog, "nick_error_label");

  for (guint i = 0; i < G_N_ELEMENTS (invalid) + 1; i++)
    {
      g_autoptr(GString) long_nick = g_string_new (NULL);
      const char *nick;

      if (i < G_N_ELEMENTS (invalid))
        nick = invalid[i];
      else
        {
          for (guint j = 0; j <= BURROW_NICK_MAX_CHARS; j++)
            g_string_append_c (long_nick, 'n');
          nick = long_nick->str;
        }
      g_test_message ("invalid nick: %s", nick);
      set_nick (dialog, nick);
      g_assert_false (gtk_widget_get_sensitive (done_button));
      /* The reason is shown: the engine's own message for this nick. */
      {
        g_autoptr(GError) error = NULL;

        g_assert_false (burrow_nick_validate (nick, &error));
        g_assert_error (error, BURROW_HUB_ERROR, BURROW_HUB_ERROR_NICK_INVALID);
        g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));
        g_assert_cmpstr (gtk_label_get_text (error_label), ==, error->message);
      }
      /* Enter does nothing while Done is insensitive. */
      press_enter (child (dialog, "nick_entry"));
      g_assert_true (find_welcome () == dialog);
      g_assert_false (burrow_client_get_welcome_done (get_client ()));
    }

  if (burrow_test_ui_expect_german ())
    {
      set_nick (dialog, "two words");
      g_assert_cmpstr (gtk_label_get_text (error_label), ==,
                       "Ein Nick darf keine Leerzeichen enthalten");
    }

  /* Emptied again: the reason says what is missing. */
  set_nick (dialog, "");
  g_assert_false (gtk_widget_get_sensitive (done_button));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (error_label)));

  set_nick (dialog, "Badger");
  g_assert_true (gtk_widget_get_sensitive (done_button));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
}

/* Skip closes it, applies nothing typed, and is remembered like Done. */
static void
test_skip (void)
{
  BurrowWelcomeDialog *dialog;
  g_autofree char *nick_before = NULL;

  if (second_start)
    {
      check_second_start ();
      return;
    }

  dialog = wait_welcome ();
  nick_before = g_strdup (burrow_client_get_nick (get_client ()));
  set_nick (dialog, "Badger");
  gtk_widget_activate (find_skip_button (dialog));
  g_assert_true (burrow_test_wait_until (welcome_gone, NULL, WAIT_MS));

  g_assert_true (burrow_client_get_welcome_done (get_client ()));
  g_assert_cmpstr (burrow_client_get_nick (get_client ()), ==, nick_before);

  assert_second_start_passes ();
}

/* From the menu again: nick, description, a folder added through the dialog's API (the chooser
 * cannot be clicked here) and one dropped, Active on a port, then Enter. */
static void
test_done (void)
{
  BurrowClient *client = get_client ();
  BurrowShare *share = burrow_client_get_share (client);
  BurrowWelcomeDialog *dialog;
  BurrowWindow *window;
  GtkDropTarget *drop_target = NULL;
  g_autoptr(GListModel) controllers = NULL;
  g_autofree char *music_dir = NULL;
  g_autofree char *pictures_dir = NULL;
  g_autofree char *loose_file = NULL;
  g_autofree char *page_before = NULL;
  g_autoptr(GFile) music = NULL;
  g_autoptr(GFile) pictures = NULL;
  g_autoptr(GFile) loose = NULL;
  g_auto(GStrv) names = NULL;
  guint port = 0;
  const char *summary;

  if (second_start)
    {
      check_second_start ();
      /* What Done chose is what this start uses. */
      g_assert_cmpstr (burrow_client_get_nick (get_client ()), ==, CHOSEN_NICK);
      g_assert_cmpstr (burrow_client_get_description (get_client ()), ==, CHOSEN_DESCRIPTION);
      g_assert_cmpint (burrow_client_get_mode (get_client ()), ==, BURROW_CONNECTION_MODE_ACTIVE);
      return;
    }

  music_dir = g_build_filename (data_dir, "Music", NULL);
  pictures_dir = g_build_filename (data_dir, "Pictures", NULL);
  g_assert_cmpint (g_mkdir_with_parents (music_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (pictures_dir, 0755), ==, 0);
  g_free (burrow_test_write_file (music_dir, "song.flac", 40000, 1));
  g_free (burrow_test_write_file (pictures_dir, "badger.png", 30000, 2));
  loose_file = burrow_test_write_file (data_dir, "loose.txt", 100, 3);
  music = g_file_new_for_path (music_dir);
  pictures = g_file_new_for_path (pictures_dir);
  loose = g_file_new_for_path (loose_file);

  window = burrow_test_ui_get_window (G_APPLICATION (app));
  page_before = g_strdup (gtk_stack_get_visible_child_name (window->stack));

  /* The primary menu's item. */
  g_assert_null (find_welcome ());
  g_action_group_activate_action (G_ACTION_GROUP (app), "welcome", NULL);
  dialog = wait_welcome ();
  /* One at a time: the menu item again brings the same dialog forward. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "welcome", NULL);
  burrow_test_ui_flush ();
  g_assert_cmpuint (count_welcomes (), ==, 1);
  /* Done before (skipped): the nick in use is shown. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (dialog, "nick_entry"))), ==,
                   burrow_client_get_nick (client));

  set_nick (dialog, CHOSEN_NICK);
  gtk_editable_set_text (GTK_EDITABLE (child (dialog, "description_entry")), CHOSEN_DESCRIPTION);

  /* A folder is shared at once, and hashing starts with its progress shown (the hasher is
   * paused meanwhile, so that the progress can be seen before it ends). */
  burrow_hasher_set_paused (burrow_share_get_hasher (share), TRUE);
  g_assert_true (burrow_welcome_dialog_add_folder (dialog, music));
  names = burrow_share_dup_root_names (share);
  g_assert_true (g_strv_contains ((const char * const *) names, "Music"));
  g_clear_pointer (&names, g_strfreev);
  g_assert_true (burrow_test_wait_until (hash_progress_shown, dialog, WAIT_MS));
  g_assert_cmpstr (gtk_label_get_text (child (dialog, "hash_label")), !=, "");
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (child (dialog, "hash_progress")), <, 1.0);
  burrow_hasher_set_paused (burrow_share_get_hasher (share), FALSE);

  /* Drops: a file is refused with the reason, a folder is shared. */
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (dialog));
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && drop_target == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        drop_target = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (drop_target);
  g_assert_false (drop_files (drop_target, loose));
  g_assert_true (gtk_widget_get_visible (child (dialog, "share_error_label")));
  names = burrow_share_dup_root_names (share);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_clear_pointer (&names, g_strfreev);
  g_assert_true (drop_files (drop_target, pictures));
  g_assert_false (gtk_widget_get_visible (child (dialog, "share_error_label")));
  names = burrow_share_dup_root_names (share);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) names, "Pictures"));
  g_assert_nonnull (strstr (gtk_label_get_text (child (dialog, "folders_label")), "Pictures"));
  g_assert_nonnull (strstr (gtk_label_get_text (child (dialog, "folders_label")), "Music"));

  /* Hashing runs to the end while the dialog is open, and the dialog counts the files. */
  g_assert_true (burrow_test_wait_share (share, 2, WAIT_MS));
  g_assert_cmpuint (burrow_share_get_n_files (share), ==, 2);
  burrow_test_ui_flush ();
  summary = gtk_label_get_text (child (dialog, "share_summary_label"));
  g_assert_true (g_str_has_prefix (summary, "2 "));
  g_assert_false (gtk_revealer_get_reveal_child (child (dialog, "hash_revealer")));

  /* Active, on a port of our choosing. */
  chosen_port = free_port ();
  gtk_check_button_set_active (child (dialog, "active_check"), TRUE);
  g_assert_true (gtk_widget_get_sensitive (child (dialog, "port_spin")));
  gtk_spin_button_set_value (child (dialog, "port_spin"), chosen_port);

  burrow_test_ui_screenshot (GTK_WIDGET (dialog),
                             burrow_test_ui_expect_german () ? "screenshot-welcome-de.png"
                                                             : "screenshot-welcome-C.png");

  /* Nothing reached the client before Done. */
  g_assert_cmpstr (burrow_client_get_nick (client), !=, CHOSEN_NICK);

  /* The Public Hubs page, shown after Done, downloads its lists: from loopback in this test,
   * where nothing listens on port 1. */
  {
    const char * const servers[] = { "http://127.0.0.1:1/hublist.xml", NULL };

    g_assert_true (burrow_public_hubs_set_servers (burrow_client_get_public_hubs (client),
                                                   servers, NULL));
  }

  /* Enter in the description entry activates Done. */
  press_enter (child (dialog, "description_entry"));
  g_assert_true (burrow_test_wait_until (welcome_gone, NULL, WAIT_MS));

  g_assert_cmpstr (burrow_client_get_nick (client), ==, CHOSEN_NICK);
  g_assert_cmpstr (burrow_client_get_description (client), ==, CHOSEN_DESCRIPTION);
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_object_get (client, "port", &port, NULL);
  g_assert_cmpuint (port, ==, chosen_port);
  g_assert_true (burrow_client_get_welcome_done (client));
  /* Where a newcomer finds a hub: the Public Hubs page (which downloads its lists, here from
   * loopback, see above). */
  g_assert_cmpstr (page_before, !=, "public-hubs");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "public-hubs");

  /* The next start listens on the chosen port itself: this one lets go of it (through the
   * connector, so the stored choice stays Active). */
  g_assert_true (burrow_nat_connector_set_active (burrow_client_get_connector (client), FALSE, 0,
                                                  NULL));
  assert_second_start_passes ();
}

/* From the menu after Done: the dialog shows the mode in use (Active), and Automatic chosen
 * there reaches the engine. */
static void
test_done_automatic (void)
{
  BurrowClient *client = get_client ();
  BurrowWelcomeDialog *dialog;

  if (second_start)
    return;

  /* No packet to a router, whatever the environment says. */
  for (BurrowMappingMethod m = BURROW_MAPPING_METHOD_PCP; m <= BURROW_MAPPING_METHOD_UPNP; m++)
    burrow_client_set_port_mapping_enabled (client, m, FALSE);

  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_ACTIVE);
  g_action_group_activate_action (G_ACTION_GROUP (app), "welcome", NULL);
  dialog = wait_welcome ();
  g_assert_true (gtk_check_button_get_active (child (dialog, "active_check")));
  g_assert_false (gtk_check_button_get_active (child (dialog, "automatic_check")));
  g_assert_true (gtk_widget_get_sensitive (child (dialog, "port_spin")));

  gtk_check_button_set_active (child (dialog, "automatic_check"), TRUE);
  g_assert_true (gtk_check_button_get_active (child (dialog, "automatic_check")));
  g_assert_false (gtk_check_button_get_active (child (dialog, "active_check")));
  g_assert_false (gtk_widget_get_sensitive (child (dialog, "port_spin")));

  gtk_widget_activate (child (dialog, "done_button"));
  g_assert_true (burrow_test_wait_until (welcome_gone, NULL, WAIT_MS));
  g_assert_cmpint (burrow_client_get_mode (client), ==, BURROW_CONNECTION_MODE_AUTO);
}

/* ---------------------------------------------------------------------------------------------- */

static gboolean
add_cases (void)
{
  g_test_add_func ("/burrow/ui/welcome/first-run", test_first_run);
  g_test_add_func ("/burrow/ui/welcome/invalid-nick", test_invalid_nick);
  g_test_add_func ("/burrow/ui/welcome/skip", test_skip);
  g_test_add_func ("/burrow/ui/welcome/done", test_done);
  g_test_add_func ("/burrow/ui/welcome/done-automatic", test_done_automatic);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  BurrowTestUiProgram program = {
    .name = "welcome",
    .app = &app,
    .data_dir = &data_dir,
    .add_cases = add_cases,
  };

  /* Automatic mode here must send no port mapping packet off the machine. */
  g_setenv ("BURROW_PORT_MAPPING", "off", TRUE);
  /* A later start (g_test_trap_subprocess ()) uses the data directory of the first one. */
  for (int i = 1; i < argc; i++)
    if (g_strcmp0 (argv[i], "--GTestSubprocess") == 0)
      second_start = TRUE;
  if (second_start)
    program.data_dir = NULL;

  burrow_test_ui_set_first_run (TRUE);
  return burrow_test_ui_main (argc, argv, &program);
}
