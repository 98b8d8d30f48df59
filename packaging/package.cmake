# The Debian package (`make package` → build/vigil_<version>_amd64.deb), by CPack from
# this build tree: the package is made of the very binary the tests ran, with no second
# compile (docs/package.md says why CPack rather than debhelper).
# Layout: /usr/bin/vigil, /usr/share/vigil/web (the web UI), /lib/systemd/system/vigil.service,
# /etc/vigil/config.yml (a conffile), /usr/share/man/man1/vigil.1.gz, /usr/share/doc/vigil.
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(PKG ${CMAKE_SOURCE_DIR}/packaging)

install(TARGETS vigil RUNTIME DESTINATION bin)
install(DIRECTORY ${VIGIL_WEB_DIR}/ DESTINATION share/vigil/web
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PKG}/vigil.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PKG}/config.yml DESTINATION /etc/vigil
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Debian wants the man page and the changelog gzipped with -9n (no name, no time stamp).
set(GZ ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${GZ})
foreach(f vigil.1 changelog)
  add_custom_command(OUTPUT ${GZ}/${f}.gz
    COMMAND gzip -9nc ${PKG}/${f} > ${GZ}/${f}.gz
    DEPENDS ${PKG}/${f} VERBATIM)
endforeach()
add_custom_target(vigil_package_docs ALL DEPENDS ${GZ}/vigil.1.gz ${GZ}/changelog.gz)
install(FILES ${GZ}/vigil.1.gz DESTINATION share/man/man1
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${GZ}/changelog.gz DESTINATION share/doc/vigil RENAME changelog.gz
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PKG}/copyright DESTINATION share/doc/vigil
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigil)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "vigil developers <vigil-developers@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network video recorder with object detection")
set(CPACK_PACKAGE_DESCRIPTION "vigil reads video from cameras (RTSP or files), finds motion, runs an object
detector on the moving regions, tracks objects and turns them into events with
snapshots and clips. It records continuously, publishes to MQTT and serves an
HTTP API, MJPEG live views and a web UI, compatible with Frigate 0.8's
configuration, API and MQTT topics.")
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: computed by dpkg-shlibdeps from the binary's shared libraries, plus the tools
# the maintainer scripts call.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, opencv-doc")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PKG}/postinst ${PKG}/prerm ${PKG}/postrm ${PKG}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_FILE_NAME vigil_${PROJECT_VERSION}_amd64)
include(CPack)
